/**
 * withProgress notifications for a job's long steps: the start of a job (spawn → first progress event)
 * and whole evaluations. Cancel = Stop the job (SIGTERM: the worker checkpoints and marks it cancelled).
 */
import * as vscode from 'vscode';
import type { Job } from './jobManager';
import type { JobPhase } from './jobPhase';

export interface JobProgressOptions {
  title: string;
  /** What to say (and whether to close) for the job's current state. */
  phase: (job: Job) => JobPhase;
  /** Fires whenever any job changes. */
  changed: vscode.Event<Job>;
  stop: (job: Job) => void;
}

/** Resolves with the job's phase when the notification closes ('cancelled' when the user cancelled). */
export function showJobProgress(job: Job, o: JobProgressOptions): Thenable<JobPhase | 'cancelled'> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: o.title, cancellable: true },
    (progress, token) =>
      new Promise<JobPhase | 'cancelled'>((resolve) => {
        let shown = 0;
        const subs: vscode.Disposable[] = [];
        const end = (v: JobPhase | 'cancelled') => {
          for (const s of subs) s.dispose();
          resolve(v);
        };
        const update = () => {
          const ph = o.phase(job);
          const increment = ph.percent !== undefined && ph.percent > shown ? ph.percent - shown : undefined;
          if (increment) shown += increment;
          progress.report({ message: ph.message, increment });
          if (ph.done) end(ph);
        };
        subs.push(
          o.changed((j) => j === job && update()),
          token.onCancellationRequested(() => {
            o.stop(job);
            end('cancelled');
          }),
        );
        update();
      }),
  );
}
