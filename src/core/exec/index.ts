/** Executors (local, Slurm): job scripts, submission, states, cancel. Plain Node, no vscode import. */
export * from './types';
export { processRunner, shellQuote, commandLine, type CommandRunner, type CommandResult } from './commandRunner';
export { renderSbatchScript, sbatchOptions, submissionDir, type ScriptPaths } from './sbatchScript';
export { parseSqueue, parseSacct, parseSbatchJobId, fromSlurmState, expandJobIds, arrayJobId } from './slurmStates';
export { translateSlurmFailure, SBATCH_MISSING } from './slurmErrors';
export { SlurmExecutor, withArrayRecords } from './slurmExecutor';
export { LocalExecutor } from './localExecutor';
export { createQueuedRuns, recordJobIds, reconcileRun, startQueuedRun, slurmTaskId, markAttemptLost } from './runFolders';
export { executorFor, executorForRun, withSlurmDefaults } from './choose';
