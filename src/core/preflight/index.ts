/** Checks before a run starts (run, submit, validate): the data, the runs folder, the disk. */
export { preflightData, sizeProblems, labelNeeds, MAX_DATA_SIZE, type DataPreflight } from './dataChecks';
export { estimateFootprint, diagnosticsFileBytes, diskSpaceProblem, runsDirProblem, freeBytes, formatMB, type Footprint } from './disk';
