/** Run folders (DESIGN.md "Run folder"): writer, reader, listing. Plain Node, no vscode import. */
export type * from './types';
export { createRun, eventToJsonLine, runIdFor, canTransition, isTerminal, RunStateError, FolderRunWriter, RUN_JSON, CONFIG_YAML, EVENTS_JSONL, RESERVE_FILE, RUN_RESERVE_BYTES, type CreateRunOptions } from './writer';
export { DiskFullError, isNoSpace } from './diskFull';
export { readRun, readEvents, listRuns, runLiveness, RunReadError, type EventsChunk, type ListedRun } from './reader';
export { writeFileAtomic, writeJsonAtomic, TEMP_PREFIX } from './atomic';
export { codeVersion } from './codeVersion';
export { reopenRun, type ReopenRunOptions } from './reopen';
