/**
 * Reading run folders: run.json, events.jsonl (tail-able: a truncated last line is left for the next
 * read), the list of runs in a runs folder, and whether a "running" run's process is still there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEMP_PREFIX } from './atomic';
import { EVENTS_JSONL, RUN_JSON } from './writer';
import type { RunEvent, RunJson, RunStatus } from './types';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export class RunReadError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'RunReadError';
  }
}

/** run.json of a run folder; throws RunReadError naming the file and the reason. */
export function readRun(dir: string): RunJson {
  const file = path.join(dir, RUN_JSON);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunReadError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not a run folder (no run.json)' : (e as Error).message);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RunReadError(file, `not valid JSON (${(e as Error).message})`);
  }
  const r = v as Partial<RunJson>;
  if (typeof v !== 'object' || v === null) throw new RunReadError(file, 'not a JSON object');
  for (const k of ['id', 'name', 'stage', 'host', 'started', 'configHash', 'codeVersion'] as const) {
    if (typeof r[k] !== 'string') throw new RunReadError(file, `field '${k}' is missing or not text`);
  }
  if (!STATUSES.includes(r.status as RunStatus)) throw new RunReadError(file, `status '${String(r.status)}' is not one of ${STATUSES.join(', ')}`);
  return v as RunJson;
}

export interface EventsChunk {
  events: RunEvent[];
  /** Byte offset to pass as `fromByte` next time (the start of an incomplete last line, if any). */
  nextByte: number;
  /** Byte offsets of complete lines that were not valid JSON events (skipped). */
  badLines: number[];
}

/**
 * Events from byte `fromByte` of events.jsonl. Only complete lines are returned: a last line without
 * its newline (a job still writing it, or killed) is not consumed, and `nextByte` points at its start.
 * A missing file reads as no events.
 */
export function readEvents(dir: string, fromByte = 0): EventsChunk {
  const file = path.join(dir, EVENTS_JSONL);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], nextByte: fromByte, badLines: [] };
    throw e;
  }
  let buf: Buffer;
  try {
    const size = fs.fstatSync(fd).size;
    const start = fromByte > size ? 0 : fromByte; // the file was replaced: start over
    buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    buf = buf.subarray(0, got);
    fromByte = start;
  } finally {
    fs.closeSync(fd);
  }
  const events: RunEvent[] = [];
  const badLines: number[] = [];
  let lineStart = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, lineStart);
    if (nl < 0) break;
    const line = buf.toString('utf8', lineStart, nl).trim();
    if (line) {
      const e = parseEvent(line);
      if (e) events.push(e);
      else badLines.push(fromByte + lineStart);
    }
    lineStart = nl + 1;
  }
  return { events, nextByte: fromByte + lineStart, badLines };
}

function parseEvent(line: string): RunEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  if (typeof e.t !== 'string' || typeof e.type !== 'string') return undefined;
  // The writer stores NaN/±Infinity scalars as strings (JSON has no such numbers).
  if (e.type === 'scalar' && typeof e.value === 'string') e.value = Number(e.value);
  return e as unknown as RunEvent;
}

export interface ListedRun {
  dir: string;
  /** The folder name (the run id when run.json agrees). */
  id: string;
  run?: RunJson;
  /** Why run.json could not be read (the folder is shown as broken). */
  error?: string;
}

/**
 * The run folders in a runs folder, newest first (ids start with the UTC timestamp). Folders being
 * created (temporary names) and folders without run.json are skipped; an unreadable run.json is listed
 * with its error. A missing runs folder is an empty list.
 */
export function listRuns(runsDir: string): ListedRun[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ListedRun[] = [];
  for (const d of names) {
    if (!d.isDirectory() || d.name.startsWith('.') || d.name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(runsDir, d.name);
    if (!fs.existsSync(path.join(dir, RUN_JSON))) continue;
    try {
      out.push({ dir, id: d.name, run: readRun(dir) });
    } catch (e) {
      out.push({ dir, id: d.name, error: (e as Error).message });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * Whether the process of a queued/running run is alive: 'alive', 'dead' (same host, no such pid — the
 * job was killed without marking the run), or 'unknown' (another host, a cluster job, no pid).
 * Terminal runs are 'dead'.
 */
export function runLiveness(run: RunJson, host: string = os.hostname()): 'alive' | 'dead' | 'unknown' {
  if (run.status !== 'running' && run.status !== 'queued') return 'dead';
  if (run.host !== host || run.pid === undefined) return 'unknown';
  try {
    process.kill(run.pid, 0);
    return 'alive';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}
