/**
 * Reopening a run folder for `medssl run --resume` — the one sanctioned way back to `running`.
 *
 * The writer's transition table keeps terminal states final for everything else; resuming is the
 * explicit exception: cancelled | failed → running. A run whose run.json still says running but whose
 * process is gone on this host (killed with kill -9, so nothing marked it) may also be reopened. Never
 * completed → running (nothing to resume), never a live or queued run, never one on another host.
 * The reopened run keeps its id, name, stage, start time, config hash; `ended` and `error` are
 * cleared, pid/host/backend are this process's; a status event says from which checkpoint it resumes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../backend/types';
import { readRun, runLiveness } from './reader';
import type { RunJson, RunStatus } from './types';
import { FolderRunWriter, RunStateError, type CreateRunOptions } from './writer';

/** Statuses a run may be resumed from (besides a stale 'running' whose process is gone). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['cancelled', 'failed'];

export interface ReopenRunOptions extends Pick<CreateRunOptions, 'onEvent' | 'now' | 'markFailedOnExit' | 'diskNeedBytes' | 'reserveBytes'> {
  backend?: BackendChoice;
  /** Default os.hostname() (tests). */
  host?: string;
}

/** The name of the newest complete checkpoint (checkpoints/latest), or null. */
export function latestCheckpointName(dir: string): string | null {
  try {
    const name = fs.readFileSync(path.join(dir, 'checkpoints', 'latest'), 'utf8').trim();
    return name || null;
  } catch {
    return null;
  }
}

/** Reopens a cancelled/failed (or stale running) run as running; throws RunStateError otherwise. */
export function reopenRun(dir: string, opts: ReopenRunOptions = {}): FolderRunWriter {
  const prev = readRun(dir);
  const host = opts.host ?? os.hostname();
  let why: string;
  if (RESUMABLE_STATUSES.includes(prev.status)) {
    why = `was ${prev.status}`;
  } else if (prev.status === 'running' && runLiveness(prev, host) === 'dead') {
    why = `was marked running, but its process ${prev.pid} is gone`;
  } else if (prev.status === 'running') {
    throw new Error(`run ${prev.id} is still running (process ${String(prev.pid)} on ${prev.host}); stop it before resuming`);
  } else {
    throw new RunStateError(prev.id, prev.status, 'running');
  }
  const ckpt = latestCheckpointName(dir);
  const { ended: _ended, error: _error, ...rest } = prev;
  void _ended;
  void _error;
  const run: RunJson = { ...rest, status: 'running', host, pid: process.pid, ...(opts.backend ? { backend: opts.backend } : {}) };
  const message = ckpt ? `resumed from checkpoint ${ckpt} (${why})` : `resumed with no complete checkpoint: from step 0 (${why})`;
  const w = new FolderRunWriter(dir, run, opts.now ?? (() => new Date()), opts, message);
  w.update({}); // run.json: running, this process
  return w;
}
