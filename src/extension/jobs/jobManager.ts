/**
 * Job manager: a queue of `medssl run --json` child processes (never in the extension host), at most
 * `maxConcurrent()` at once; Stop = SIGTERM (the CLI checkpoints and marks the run cancelled), then SIGKILL
 * after a grace period; re-attach to a job started before a window reload (pid in run.json alive → tail
 * events.jsonl). No `vscode` import: unit-testable with a fake child process.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { readEvents, readRun, runLiveness, type RunEvent, type RunJson, type RunStatus } from '../../core/runs';
import { isRunEvent, parseWorkerLine } from '../../protocol/workerStdout';

export interface JobSpec {
  /** Shown in the output channel name, notifications and the status bar. */
  label: string;
  /** Arguments after dist/cli.js, e.g. ['run', cfg, '--json', '--runs-dir', dir]. */
  args: string[];
  cwd: string;
  /**
   * When set, the child's stdout/stderr go to this file (not a pipe) and the manager tails it: the job then
   * survives the extension host (a window reload) without a broken pipe, and the next window re-attaches.
   */
  logFile?: string;
}

export interface JobProgress {
  step: number;
  totalSteps: number;
  etaSec: number;
  imagesPerSec: number;
}

export type JobState = 'queued' | 'running' | 'finished';

export interface Job {
  key: number;
  spec: JobSpec;
  state: JobState;
  /** Run folders this job created (one per variant), the current one last. */
  runDirs: string[];
  runId?: string;
  pid?: number;
  progress?: JobProgress;
  /** The run status after the job ended (from run.json), or the exit code's reading. */
  result?: RunStatus;
  exitCode?: number | null;
  error?: string;
  stopping?: boolean;
  /** Attached after a reload (no child handle: tails events.jsonl, polls the pid). */
  attached?: boolean;
  /** The worker's last line that was not a JSON event (its error message when it exits before a run folder). */
  lastOutput?: string;
}

/** What the manager needs from the outside world (the extension's glue or a test). */
export interface JobManagerHost {
  spawn(spec: JobSpec): ChildProcess;
  maxConcurrent(): number;
  graceMs(): number;
  /** A line for the job's output channel. */
  log(job: Job, line: string): void;
  /** Any change of state, run folder or progress. */
  changed(job: Job): void;
  finished(job: Job): void;
  /** For attached jobs: poll interval (ms). */
  pollMs?: number;
  kill?(pid: number, signal: NodeJS.Signals): void;
  isAlive?(pid: number): boolean;
}

const TERMINAL: RunStatus[] = ['completed', 'failed', 'cancelled'];

export class JobManager {
  private nextKey = 1;
  private readonly jobs: Job[] = [];
  private readonly children = new Map<number, ChildProcess>();
  private readonly timers = new Map<number, NodeJS.Timeout[]>();

  constructor(private readonly host: JobManagerHost) {}

  all(): readonly Job[] {
    return this.jobs;
  }

  active(): Job[] {
    return this.jobs.filter((j) => j.state !== 'finished');
  }

  byRunDir(dir: string): Job | undefined {
    return this.jobs.find((j) => j.state !== 'finished' && j.runDirs.includes(dir));
  }

  /** Queues a job; it starts at once when a slot is free. */
  enqueue(spec: JobSpec): Job {
    const job: Job = { key: this.nextKey++, spec, state: 'queued', runDirs: [] };
    this.jobs.push(job);
    this.host.log(job, `queued: medssl ${spec.args.join(' ')}`);
    this.host.changed(job);
    this.pump();
    return job;
  }

  private running(): number {
    return this.jobs.filter((j) => j.state === 'running').length;
  }

  private pump(): void {
    const max = Math.max(1, Math.floor(this.host.maxConcurrent()) || 1);
    for (const job of this.jobs) {
      if (this.running() >= max) break;
      if (job.state === 'queued') this.start(job);
    }
  }

  private start(job: Job): void {
    job.state = 'running';
    let child: ChildProcess;
    try {
      child = this.host.spawn(job.spec);
    } catch (e) {
      this.finish(job, 'failed', null, `could not start the worker: ${(e as Error).message}`);
      return;
    }
    this.children.set(job.key, child);
    job.pid = child.pid;
    this.host.log(job, `started (pid ${child.pid ?? '?'})`);
    this.host.changed(job);
    let buf = '';
    const feed = (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) this.onStdoutLine(job, line);
      }
    };
    let tail: (() => void) | undefined;
    if (child.stdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', feed);
    } else if (job.spec.logFile) {
      const file = job.spec.logFile;
      let offset = 0;
      tail = () => {
        try {
          const fd = fs.openSync(file, 'r');
          try {
            const size = fs.fstatSync(fd).size;
            if (size > offset) {
              const b = Buffer.alloc(size - offset);
              const n = fs.readSync(fd, b, 0, b.length, offset);
              offset += n;
              feed(b.toString('utf8', 0, n));
            }
          } finally {
            fs.closeSync(fd);
          }
        } catch {
          /* not there yet */
        }
      };
      this.addTimer(job, setInterval(tail, this.host.pollMs ?? 500));
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      for (const l of d.split('\n')) if (l.trim()) (this.host.log(job, l), (job.lastOutput = l.trim()));
    });
    child.on('error', (e) => this.finish(job, 'failed', null, `could not start the worker: ${e.message}`));
    child.on('close', (code, signal) => {
      tail?.();
      if (buf.trim()) this.onStdoutLine(job, buf.trim());
      const status = this.statusAfterExit(job, code);
      this.finish(
        job,
        status,
        code ?? (signal ? 128 : 1),
        code === 0 ? undefined : (this.lastError(job) ?? job.lastOutput ?? `exit ${code ?? signal}`),
      );
    });
  }

  private onStdoutLine(job: Job, line: string): void {
    const v = parseWorkerLine(line);
    if (!v) {
      this.host.log(job, line);
      job.lastOutput = line;
      return;
    }
    if (isRunEvent(v)) return this.onEvent(job, v);
    if (v.type === 'run') {
      if (!job.runDirs.includes(v.dir)) job.runDirs.push(v.dir);
      job.runId = v.id;
      this.host.log(job, `run folder: ${v.dir}`);
      this.host.changed(job);
      return;
    }
    // A line of another command (submit) in a job's output: shown as it is.
    this.host.log(job, line);
  }

  private onEvent(job: Job, e: RunEvent): void {
    switch (e.type) {
      case 'progress':
        job.progress = { step: e.step, totalSteps: e.totalSteps, etaSec: e.etaSec, imagesPerSec: e.imagesPerSec };
        this.host.changed(job);
        break;
      case 'log':
        this.host.log(job, `[${e.level}] ${e.message}`);
        break;
      case 'status':
        this.host.log(job, `status: ${e.status}${e.message ? ` — ${e.message}` : ''}`);
        break;
      case 'scalar':
        if (e.name === 'loss' || e.name === 'loss/total')
          this.host.log(job, `step ${e.step} epoch ${e.epoch}: ${e.name} ${Number(e.value).toFixed(4)}`);
        break;
      case 'artifact':
        this.host.log(job, `artifact: ${e.path} (${e.kind})`);
        break;
    }
  }

  private currentRun(job: Job): RunJson | undefined {
    const dir = job.runDirs[job.runDirs.length - 1];
    if (!dir) return undefined;
    try {
      return readRun(dir);
    } catch {
      return undefined;
    }
  }

  private lastError(job: Job): string | undefined {
    return this.currentRun(job)?.error?.message;
  }

  private statusAfterExit(job: Job, code: number | null): RunStatus {
    const run = this.currentRun(job);
    if (run && TERMINAL.includes(run.status)) return run.status;
    if (code === 0) return 'completed';
    return job.stopping ? 'cancelled' : 'failed';
  }

  private finish(job: Job, result: RunStatus, exitCode: number | null, error?: string): void {
    if (job.state === 'finished') return;
    job.state = 'finished';
    job.result = result;
    job.exitCode = exitCode;
    job.error = error;
    for (const t of this.timers.get(job.key) ?? []) (clearTimeout(t), clearInterval(t));
    this.timers.delete(job.key);
    this.children.delete(job.key);
    this.host.log(
      job,
      `finished: ${result}${exitCode !== null ? ` (exit ${exitCode})` : ''}${error && result !== 'completed' ? ` — ${error}` : ''}`,
    );
    this.host.changed(job);
    this.host.finished(job);
    this.pump();
  }

  private addTimer(job: Job, t: NodeJS.Timeout): void {
    const list = this.timers.get(job.key) ?? [];
    list.push(t);
    this.timers.set(job.key, list);
  }

  private kill(pid: number, signal: NodeJS.Signals): void {
    if (this.host.kill) return this.host.kill(pid, signal);
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Stop: a queued job leaves the queue; a running one gets SIGTERM, then SIGKILL after the grace period. */
  stop(job: Job): void {
    if (job.state === 'finished') return;
    if (job.state === 'queued') {
      this.finish(job, 'cancelled', null, 'removed from the queue');
      return;
    }
    if (job.stopping) return;
    job.stopping = true;
    this.host.log(job, `stopping: SIGTERM (checkpoint, then cancelled); SIGKILL after ${Math.round(this.host.graceMs() / 1000)} s`);
    this.host.changed(job);
    const child = this.children.get(job.key);
    const signal = (s: NodeJS.Signals) => (child ? child.kill(s) : job.pid !== undefined && this.kill(job.pid, s));
    signal('SIGTERM');
    const t = setTimeout(() => {
      if (job.state === 'finished') return;
      this.host.log(job, 'grace period over: SIGKILL');
      signal('SIGKILL');
    }, this.host.graceMs());
    this.addTimer(job, t);
  }

  /**
   * Re-attach to a run whose process is still alive (started before a window reload, or elsewhere on this
   * machine): tail its events.jsonl from `fromByte` and poll until run.json is terminal or the pid is gone.
   */
  attach(runDir: string, label: string): Job | undefined {
    const existing = this.byRunDir(runDir);
    if (existing) return existing;
    let run: RunJson;
    try {
      run = readRun(runDir);
    } catch {
      return undefined;
    }
    if (run.status !== 'running' || runLiveness(run) !== 'alive') return undefined;
    const job: Job = {
      key: this.nextKey++,
      spec: { label, args: [], cwd: runDir },
      state: 'running',
      runDirs: [runDir],
      runId: run.id,
      pid: run.pid,
      attached: true,
    };
    this.jobs.push(job);
    this.host.log(job, `re-attached to ${runDir} (pid ${run.pid} still running): following events.jsonl`);
    let offset = 0;
    const alive = (pid: number) =>
      this.host.isAlive ? this.host.isAlive(pid) : runLiveness({ ...run, status: 'running', pid }) === 'alive';
    const poll = () => {
      if (job.state === 'finished') return;
      try {
        const chunk = readEvents(runDir, offset);
        offset = chunk.nextByte;
        for (const e of chunk.events) this.onEvent(job, e);
      } catch (e) {
        this.host.log(job, `cannot read events: ${(e as Error).message}`);
      }
      let now: RunJson | undefined;
      try {
        now = readRun(runDir);
      } catch {
        now = undefined;
      }
      if (now && TERMINAL.includes(now.status)) this.finish(job, now.status, null, now.error?.message);
      else if (job.pid === undefined || !alive(job.pid))
        this.finish(job, job.stopping ? 'cancelled' : 'failed', null, 'the process ended without marking the run');
    };
    // Catch up at once (history), then follow.
    const chunk = readEvents(runDir, 0);
    offset = chunk.nextByte;
    const lastProgress = [...chunk.events].reverse().find((e) => e.type === 'progress');
    if (lastProgress && lastProgress.type === 'progress')
      job.progress = {
        step: lastProgress.step,
        totalSteps: lastProgress.totalSteps,
        etaSec: lastProgress.etaSec,
        imagesPerSec: lastProgress.imagesPerSec,
      };
    this.addTimer(job, setInterval(poll, this.host.pollMs ?? 1000));
    this.host.changed(job);
    return job;
  }

  dispose(): void {
    for (const list of this.timers.values()) for (const t of list) (clearTimeout(t), clearInterval(t));
    this.timers.clear();
  }
}
