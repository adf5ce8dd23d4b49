/**
 * The run folder writer (DESIGN.md "Run folder"). `createRun` builds the folder under a temporary name
 * (run.json with status running, the resolved config.yaml, an empty events.jsonl) and renames it into
 * place, so a half-created run never appears. Every later file is written atomically; events.jsonl is
 * append-only, one complete line per write. Status transitions are enforced: queued → running →
 * completed | failed | cancelled (queued may also end directly), terminal states are final. If the
 * process exits while the run is still running (an uncaught error, process.exit), an exit hook marks it
 * failed, so a folder never looks alive after its process is gone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { configHash, stringifyConfig } from '../config/load';
import type { ExperimentConfig } from '../config/types';
import type { BackendChoice } from '../backend/types';
import { TEMP_PREFIX, writeFileAtomic, writeJsonAtomic } from './atomic';
import { codeVersion } from './codeVersion';
import { asDiskFull, checkWriteFault, isNoSpace } from './diskFull';
import type { DistributiveOmit, RunEvent, RunJson, RunStage, RunStatus, RunWriter } from './types';

export const RUN_JSON = 'run.json';
export const CONFIG_YAML = 'config.yaml';
export const EVENTS_JSONL = 'events.jsonl';
/**
 * A small pre-allocated file in a running run's folder: on a full disk it is deleted first, so that
 * run.json can still say `failed` with the reason (and events.jsonl its last line). Removed when the
 * run ends. Its name starts with the temp prefix, so listings skip it.
 */
export const RESERVE_FILE = `${TEMP_PREFIX}reserve`;
/** The reserve the CLI's runs hold (library callers and tests hold none unless they ask). */
export const RUN_RESERVE_BYTES = 256 * 1024;

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: RunStatus): boolean => TERMINAL_STATUSES.includes(s);

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'failed', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

/** Whether run.json may go from one status to another (same → same is a no-op only for non-terminal states). */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return (from === to && !isTerminal(from)) || TRANSITIONS[from].includes(to);
}

/** A forbidden status change (e.g. completed → running): a programming error, never a user error. */
export class RunStateError extends Error {
  constructor(
    readonly runId: string,
    readonly from: RunStatus,
    readonly to: RunStatus,
  ) {
    super(`run ${runId}: status cannot change from '${from}' to '${to}'${isTerminal(from) ? ` ('${from}' is final)` : ''}`);
    this.name = 'RunStateError';
  }
}

export interface CreateRunOptions {
  /** Receives every event after it is appended (the CLI's `--json` mirrors them to stdout). Errors thrown by it are ignored. */
  onEvent?: (e: RunEvent) => void;
  /** Initial status: 'running' (default) or 'queued' (a scheduler, e.g. Slurm, starts it later). */
  status?: 'running' | 'queued';
  /** Clock (tests). */
  now?: () => Date;
  /** Default os.hostname(). */
  host?: string;
  /** Default process.pid; null for none (a cluster job that has not started). */
  pid?: number | null;
  clusterJobId?: string;
  backend?: BackendChoice;
  /** Default: package.json version + `git describe` when available. */
  codeVersion?: string;
  /** The config file the run came from (named in config.yaml's header). */
  configPath?: string;
  /** Mark the run failed if the process exits before a terminal status (default true). */
  markFailedOnExit?: boolean;
  /** What the run still needs on disk (checkpoints, overlays), named in "disk full: …, need ~N MB". */
  diskNeedBytes?: number;
  /** Size of the reserve file (default 0: none; the CLI's runs use RUN_RESERVE_BYTES). */
  reserveBytes?: number;
}

/** `<UTC timestamp>-<name>`, e.g. 20251127T131502Z-smoke. */
export function runIdFor(name: string, at: Date): string {
  const ts = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${ts}-${name}`;
}

/** Creates the run folder `<runsDir>/<runId>` and returns its writer. */
export function createRun(runsDir: string, config: ExperimentConfig, stage: RunStage, opts: CreateRunOptions = {}): FolderRunWriter {
  const now = opts.now ?? (() => new Date());
  fs.mkdirSync(runsDir, { recursive: true });
  const started = now();
  const baseId = runIdFor(config.name, started);
  const hash = configHash(config);
  const tmpDir = path.join(runsDir, `${TEMP_PREFIX}${baseId}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(tmpDir);
  } catch (e) {
    throw asDiskFull(e, path.resolve(runsDir), opts.diskNeedBytes ?? 0);
  }
  try {
    checkWriteFault('run-folder', tmpDir);
    const reserve = opts.reserveBytes ?? 0;
    if (reserve > 0) fs.writeFileSync(path.join(tmpDir, RESERVE_FILE), Buffer.alloc(reserve));
    const header = [
      `Resolved config of this run (every default filled in)${opts.configPath ? `, from ${opts.configPath}` : ''}.`,
      `configHash: ${hash}`,
    ].join('\n');
    writeFileAtomic(path.join(tmpDir, CONFIG_YAML), stringifyConfig(config, header));
    fs.writeFileSync(path.join(tmpDir, EVENTS_JSONL), '');
    const pid = opts.pid === undefined ? process.pid : opts.pid;
    for (let n = 1; ; n++) {
      const id = n === 1 ? baseId : `${baseId}-${n}`;
      const dir = path.join(runsDir, id);
      if (fs.existsSync(dir)) continue;
      const run: RunJson = {
        id,
        name: config.name,
        stage,
        status: opts.status ?? 'running',
        ...(opts.backend ? { backend: opts.backend } : {}),
        host: opts.host ?? os.hostname(),
        ...(pid !== null ? { pid } : {}),
        ...(opts.clusterJobId ? { clusterJobId: opts.clusterJobId } : {}),
        started: started.toISOString(),
        configHash: hash,
        codeVersion: opts.codeVersion ?? codeVersion(),
      };
      writeJsonAtomic(path.join(tmpDir, RUN_JSON), run);
      try {
        fs.renameSync(tmpDir, dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EPERM') continue; // taken meanwhile
        throw e;
      }
      return new FolderRunWriter(dir, run, now, opts);
    }
  } catch (e) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw asDiskFull(e, path.resolve(runsDir), opts.diskNeedBytes ?? 0); // the user's folder, not the temp name
  }
}

export class FolderRunWriter implements RunWriter {
  readonly id: string;
  private current: RunJson;
  private lastStep = 0;
  private lastEpoch = 0;
  private readonly eventsFile: string;
  /** Length of events.jsonl up to its last complete line: a failed append is cut back to it. */
  private eventsBytes: number;
  private readonly exitHook?: (code: number) => void;

  constructor(
    readonly dir: string,
    run: RunJson,
    private readonly now: () => Date,
    private readonly opts: CreateRunOptions,
    /** Message of the first status event (default "run <id> created"; reopenRun says "resumed …"). */
    announce?: string,
  ) {
    this.id = run.id;
    this.current = run;
    this.eventsFile = path.join(dir, EVENTS_JSONL);
    this.eventsBytes = completeLinesLength(this.eventsFile);
    if (!isTerminal(run.status)) this.ensureReserve();
    if (opts.markFailedOnExit !== false) {
      this.exitHook = (code: number) => {
        if (!isTerminal(this.current.status)) {
          try {
            this.fail(`the process exited (code ${code}) before the run finished`, 'process exit');
          } catch {
            /* best effort while exiting */
          }
        }
      };
      process.on('exit', this.exitHook);
    }
    this.emit({ step: 0, epoch: 0, type: 'status', status: run.status, message: announce ?? `run ${run.id} created` });
  }

  /** A copy of run.json as last written. */
  get run(): RunJson {
    return { ...this.current };
  }

  get status(): RunStatus {
    return this.current.status;
  }

  event(e: DistributiveOmit<RunEvent, 't'>): void {
    if (e.type === 'status') {
      this.transition(e.status, {}, e.message, e.step, e.epoch);
      return;
    }
    this.emit(e);
  }

  scalar(step: number, epoch: number, name: string, value: number): void {
    this.emit({ step, epoch, type: 'scalar', name, value });
  }

  log(level: 'info' | 'warn' | 'error', message: string, step?: number, epoch?: number): void {
    this.emit({ step: step ?? this.lastStep, epoch: epoch ?? this.lastEpoch, type: 'log', level, message });
  }

  writeJson(relPath: string, value: unknown, kind: string, step?: number, epoch?: number): string {
    return this.writeBytes(relPath, new TextEncoder().encode(JSON.stringify(value) + '\n'), kind, step, epoch);
  }

  writeBytes(relPath: string, data: Uint8Array, kind: string, step?: number, epoch?: number): string {
    const rel = this.checkRelPath(relPath);
    const abs = path.join(this.dir, rel);
    try {
      checkWriteFault('artifact', abs);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      writeFileAtomic(abs, data);
    } catch (e) {
      throw this.diskFull(e);
    }
    this.emit({ step: step ?? this.lastStep, epoch: epoch ?? this.lastEpoch, type: 'artifact', path: rel.split(path.sep).join('/'), kind });
    return abs;
  }

  update(fields: Partial<RunJson>): void {
    if (fields.id !== undefined && fields.id !== this.id) throw new Error(`run ${this.id}: the id cannot change (to '${fields.id}')`);
    const { status, ...rest } = fields;
    if (status !== undefined && status !== this.current.status) {
      this.transition(status, rest);
      return;
    }
    if (status !== undefined && isTerminal(status)) throw new RunStateError(this.id, this.current.status, status);
    this.current = { ...this.current, ...rest };
    this.writeRunJson();
  }

  complete(): void {
    this.transition('completed', {}, 'completed');
  }

  fail(message: string, where?: string): void {
    this.transition('failed', { error: where ? { message, where } : { message } }, message);
  }

  cancel(message?: string): void {
    this.transition('cancelled', {}, message ?? 'cancelled');
  }

  private transition(to: RunStatus, fields: Partial<RunJson>, message?: string, step?: number, epoch?: number): void {
    const from = this.current.status;
    if (!canTransition(from, to)) throw new RunStateError(this.id, from, to);
    const terminal = isTerminal(to);
    this.current = { ...this.current, ...fields, status: to, ...(terminal ? { ended: this.now().toISOString() } : {}) };
    this.writeRunJson();
    if (terminal && this.exitHook) process.removeListener('exit', this.exitHook);
    try {
      if (from !== to) this.emit({ step: step ?? this.lastStep, epoch: epoch ?? this.lastEpoch, type: 'status', status: to, ...(message ? { message } : {}) });
    } finally {
      if (terminal) this.releaseReserve();
    }
  }

  /** run.json; on a full disk the reserve is given up first, so the final status still gets written. */
  private writeRunJson(): void {
    const file = path.join(this.dir, RUN_JSON);
    try {
      checkWriteFault('run-json', file);
      writeJsonAtomic(file, this.current);
    } catch (e) {
      if (!isNoSpace(e) || !this.releaseReserve()) throw this.diskFull(e);
      try {
        checkWriteFault('run-json', file);
        writeJsonAtomic(file, this.current);
      } catch (e2) {
        throw this.diskFull(e2);
      }
    }
  }

  /** A full disk named as the run folder with what the run needs; any other error unchanged. */
  private diskFull(e: unknown): unknown {
    return asDiskFull(e, this.dir, this.opts.diskNeedBytes ?? 0);
  }

  private ensureReserve(): void {
    const bytes = this.opts.reserveBytes ?? 0;
    const file = path.join(this.dir, RESERVE_FILE);
    if (bytes <= 0 || fs.existsSync(file)) return;
    try {
      fs.writeFileSync(file, Buffer.alloc(bytes));
    } catch (e) {
      fs.rmSync(file, { force: true });
      throw this.diskFull(e);
    }
  }

  /** Deletes the reserve file; whether there was one. */
  private releaseReserve(): boolean {
    const file = path.join(this.dir, RESERVE_FILE);
    if (!fs.existsSync(file)) return false;
    fs.rmSync(file, { force: true });
    return true;
  }

  private emit(e: DistributiveOmit<RunEvent, 't'>): void {
    const full = { t: this.now().toISOString(), ...e } as RunEvent;
    if (Number.isFinite(e.step)) this.lastStep = e.step;
    if (Number.isFinite(e.epoch)) this.lastEpoch = e.epoch;
    // One write of a complete line (O_APPEND): a reader sees whole lines. A write that fails half-way
    // (a full disk) is cut back to the last complete line, so the file stays valid JSON lines.
    const line = eventToJsonLine(full) + '\n';
    try {
      checkWriteFault('events', this.eventsFile);
      fs.appendFileSync(this.eventsFile, line);
      this.eventsBytes += Buffer.byteLength(line);
    } catch (e) {
      try {
        fs.truncateSync(this.eventsFile, this.eventsBytes);
      } catch {
        /* the file is gone: nothing to cut back */
      }
      throw this.diskFull(e);
    }
    if (this.opts.onEvent) {
      try {
        this.opts.onEvent(full);
      } catch {
        /* a broken listener (closed stdout) must not stop the run */
      }
    }
  }

  private checkRelPath(relPath: string): string {
    const rel = path.normalize(relPath);
    if (path.isAbsolute(rel) || rel === '..' || rel.startsWith('..' + path.sep) || rel === '.' || rel === '') {
      throw new Error(`run ${this.id}: '${relPath}' is not a path inside the run folder`);
    }
    if ([RUN_JSON, CONFIG_YAML, EVENTS_JSONL].includes(rel)) throw new Error(`run ${this.id}: '${relPath}' is managed by the run writer`);
    return rel;
  }
}

/**
 * The length of a file up to the end of its last complete line (a process killed mid-append, or a
 * disk that filled, may have left a part line: a reopened run continues after the last whole one).
 */
function completeLinesLength(file: string): number {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return 0;
  }
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return buf.length;
  const end = buf.lastIndexOf(0x0a) + 1;
  fs.truncateSync(file, end);
  return end;
}

/**
 * One events.jsonl line (without the newline): what the CLI's `--json` prints too, so that stdout is an
 * exact copy. NaN and ±Infinity scalars are written as the strings "NaN", "Infinity", "-Infinity"
 * (readEvents turns them back into numbers).
 */
export function eventToJsonLine(e: RunEvent): string {
  return JSON.stringify(e, nonFinite);
}

/** JSON has no NaN/Infinity: write them as strings so a diverging loss still reaches the curves (as a marked value). */
function nonFinite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}
