/** Run folders (DESIGN.md "Run folder"): writer, reader, listing. Plain Node, no vscode import. */
export type * from './types';
export { createRun, eventToJsonLine, runIdFor, canTransition, isTerminal, RunStateError, FolderRunWriter, RUN_JSON, CONFIG_YAML, EVENTS_JSONL, type CreateRunOptions } from './writer';
export { readRun, readEvents, listRuns, runLiveness, RunReadError, type EventsChunk, type ListedRun } from './reader';
export { writeFileAtomic, writeJsonAtomic, TEMP_PREFIX } from './atomic';
export { codeVersion } from './codeVersion';
export { reopenRun, type ReopenRunOptions } from './reopen';
