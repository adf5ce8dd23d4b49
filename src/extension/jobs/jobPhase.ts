/**
 * What a progress notification says about a job (no `vscode` import: unit-tested in plain Node).
 * Starting: queued → worker started → run folder created → first progress event (the notification
 * closes there; the status bar and the Runs view take over). Evaluations: the whole job, with a percentage.
 */
import type { Job } from './jobManager';

export interface JobPhase {
  /** The notification can close. */
  done: boolean;
  message: string;
  /** 0–100 when the job reports steps. */
  percent?: number;
}

/** The start of a job: from the queue to its first progress event. */
export function startPhase(job: Job): JobPhase {
  if (job.state === 'finished') return { done: true, message: job.result ?? 'ended' };
  if (job.state === 'queued') return { done: false, message: 'queued: waiting for a free job slot (medssl.maxConcurrentJobs)' };
  if (job.progress) return { done: true, message: `step ${job.progress.step}/${job.progress.totalSteps}` };
  if (job.runDirs.length)
    return {
      done: false,
      message: `run folder ${basename(job.runDirs[job.runDirs.length - 1])}: choosing the backend, preparing data and model…`,
    };
  return { done: false, message: `starting the worker${job.pid !== undefined ? ` (pid ${job.pid})` : ''}…` };
}

/** A whole job (an evaluation): done when it ends; the step count as a percentage. */
export function wholeJobPhase(job: Job): JobPhase {
  if (job.state === 'finished')
    return { done: true, message: job.result ?? 'ended', percent: job.result === 'completed' ? 100 : undefined };
  const p = job.progress;
  if (p && p.totalSteps > 0) {
    const percent = Math.min(100, Math.max(0, Math.floor((100 * p.step) / p.totalSteps)));
    return {
      done: false,
      message: `step ${p.step}/${p.totalSteps}${Number.isFinite(p.etaSec) ? `, ETA ${Math.round(p.etaSec)} s` : ''}`,
      percent,
    };
  }
  return startPhase(job).done ? { done: false, message: 'running…' } : startPhase(job);
}

function basename(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}
