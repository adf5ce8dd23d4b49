/**
 * Run folders of a submission: created `queued` before anything is submitted (one per variant, each
 * with its resolved config), the job id recorded in run.json before the job may start, and later
 * brought in line with the scheduler (a job cancelled or failed before its run could say so itself).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BackendChoice } from '../backend/types';
import type { ExperimentConfig } from '../config/types';
import {
  canTransition,
  createRun,
  EVENTS_JSONL,
  eventToJsonLine,
  FolderRunWriter,
  isTerminal,
  readRun,
  RUN_JSON,
  runLiveness,
  writeJsonAtomic,
  type CreateRunOptions,
  type RunEvent,
  type RunJson,
} from '../runs';
import type { ClusterJobState, PreparedBatch } from './types';

/** Creates one queued run folder per config (no pid: nothing runs yet). */
export function createQueuedRuns(
  runsDir: string,
  configs: { config: ExperimentConfig; configPath: string }[],
  cwd: string,
  now: () => Date = () => new Date(),
): PreparedBatch {
  const abs = path.resolve(runsDir);
  const runDirs: string[] = [];
  try {
    for (const c of configs) {
      const w = createRun(abs, c.config, 'pretrain', {
        status: 'queued',
        pid: null,
        configPath: c.configPath,
        markFailedOnExit: false,
        now,
      });
      runDirs.push(w.dir);
    }
  } catch (e) {
    for (const d of runDirs) fs.rmSync(d, { recursive: true, force: true });
    throw e;
  }
  const stamp = now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return { name: configs[0]?.config.name ?? 'medssl', runDirs, runsDir: abs, tag: `${stamp}-${randomBytes(3).toString('hex')}`, cwd };
}

/** Appends one event line and rewrites run.json, as the run writer would (for a run no process owns). */
function setStatus(dir: string, run: RunJson, to: 'cancelled' | 'failed', message: string, now: Date): void {
  if (!canTransition(run.status, to)) return;
  const next: RunJson = {
    ...run,
    status: to,
    ended: now.toISOString(),
    ...(to === 'failed' ? { error: { message, where: 'cluster' } } : {}),
  };
  writeJsonAtomic(path.join(dir, RUN_JSON), next);
  const e: RunEvent = { t: now.toISOString(), step: 0, epoch: 0, type: 'status', status: to, message };
  fs.appendFileSync(path.join(dir, EVENTS_JSONL), eventToJsonLine(e) + '\n');
}

/** Records the cluster job id of each run (still queued: the job has not been released). */
export function recordJobIds(runDirs: string[], ids: string[]): void {
  runDirs.forEach((d, i) => {
    const run = readRun(d);
    writeJsonAtomic(path.join(d, RUN_JSON), { ...run, clusterJobId: ids[i] });
  });
}

/**
 * Brings run.json in line with the scheduler's word, for what the run could not say itself: a job
 * cancelled or failed while queued; a job that ended (killed, node failure, time limit) while run.json
 * still says running and its process is not alive here. Returns the new status when it changed it.
 */
export function reconcileRun(
  dir: string,
  state: ClusterJobState,
  now: Date = new Date(),
  host: string = os.hostname(),
): 'cancelled' | 'failed' | null {
  const run = readRun(dir);
  if (isTerminal(run.status) || state.status === 'queued' || state.status === 'running' || state.status === 'unknown') return null;
  const job = run.clusterJobId ? `job ${run.clusterJobId}` : 'job';
  if (run.status === 'queued') {
    const to = state.status === 'failed' ? 'failed' : 'cancelled';
    setStatus(dir, run, to, `${job} ended (${state.raw}) before the run started${state.reason ? `: ${state.reason}` : ''}`, now);
    return to;
  }
  // running: the job is over; only if its process is not alive here (a live one marks the run itself)
  if (runLiveness(run, host) === 'alive') return null;
  if (state.status === 'completed') {
    setStatus(
      dir,
      run,
      'failed',
      `${job} completed but the run never marked itself finished (killed?): Resume Run continues from the last checkpoint`,
      now,
    );
    return 'failed';
  }
  const to = state.status === 'cancelled' ? 'cancelled' : 'failed';
  setStatus(dir, run, to, `${job} ended (${state.raw}) while the run was running${state.reason ? `: ${state.reason}` : ''}`, now);
  return to;
}

/**
 * The writer of a queued run whose job has started: status running, this host and process, the cluster
 * job id from Slurm's environment when there is one.
 */
export function startQueuedRun(
  dir: string,
  opts: Pick<CreateRunOptions, 'onEvent' | 'now' | 'reserveBytes' | 'diskNeedBytes'> & {
    backend?: BackendChoice;
    clusterJobId?: string;
    host?: string;
  } = {},
): FolderRunWriter {
  const prev = readRun(dir);
  if (prev.status !== 'queued') throw new Error(`run ${prev.id} is ${prev.status}, not queued`);
  const host = opts.host ?? os.hostname();
  const jobId = opts.clusterJobId ?? prev.clusterJobId;
  const run: RunJson = {
    ...prev,
    status: 'running',
    host,
    pid: process.pid,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(jobId ? { clusterJobId: jobId } : {}),
  };
  const w = new FolderRunWriter(
    dir,
    run,
    opts.now ?? (() => new Date()),
    { onEvent: opts.onEvent, reserveBytes: opts.reserveBytes, diskNeedBytes: opts.diskNeedBytes },
    `started${jobId ? ` by job ${jobId}` : ''} on ${host}`,
  );
  w.update({});
  return w;
}

/** The cluster job id of a Slurm task from its environment (`<array id>_<index>`), if any. */
export function slurmTaskId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID !== undefined) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID || undefined;
}

/** Marks a running run whose attempt ended without marking it (node failure, kill) failed, so that it can be resumed. */
export function markAttemptLost(dir: string, why: string, now: Date = new Date()): void {
  const run = readRun(dir);
  if (run.status === 'running') setStatus(dir, run, 'failed', why, now);
}
