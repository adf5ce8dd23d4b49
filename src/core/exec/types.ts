/**
 * Executors: where the jobs of an experiment run. `local` runs them on this machine, `slurm`
 * submits one job array to a Slurm cluster. Both start from run folders already created with status
 * `queued`; the job itself is `medssl task <runDir>` (start a queued run, or resume it after a requeue).
 * No `vscode` import: the CLI (`medssl submit`) and the extension use the same code.
 */

/** A cluster job's state as a run's status reads it, with Slurm's own word kept for messages. */
export interface ClusterJobState {
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'unknown';
  /** Slurm's state (PENDING, RUNNING, TIMEOUT, NODE_FAIL, …) or the local executor's. */
  raw: string;
  /** For failed/cancelled: why, said plainly. */
  reason?: string;
}

/** What an executor starts: run folders already created (status queued), one task each, in order. */
export interface PreparedBatch {
  /** The experiment's name (job name medssl-<name>). */
  name: string;
  /** Absolute run folders; array index i runs runDirs[i]. */
  runDirs: string[];
  /** Absolute runs folder (the job's files go into <runsDir>/.slurm/<tag>/). */
  runsDir: string;
  /** Unique name of this submission (folder under <runsDir>/.slurm). */
  tag: string;
  /** Working directory of the tasks. */
  cwd: string;
}

export interface Executor {
  readonly kind: 'local' | 'slurm';
  /**
   * Starts the batch. `beforeStart(ids)` is called with the job id of every task (same order as runDirs)
   * before any task may start (Slurm: the array is submitted held, then released), so that run.json holds
   * the job id first.
   */
  submit(batch: PreparedBatch, beforeStart: (ids: string[]) => void): Promise<string[]>;
  /** States of the given job ids (a missing one: status unknown). */
  states(ids: string[]): Promise<Map<string, ClusterJobState>>;
  cancel(ids: string[]): Promise<void>;
}

/** An executor's failure, said plainly for a person (no stack trace). */
export class ExecutorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorError';
  }
}
