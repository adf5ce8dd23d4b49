/**
 * What a worker (`dist/cli.js <command> --json`) prints on stdout for the extension, one JSON object a
 * line: the CLI writes these lines and the extension's job manager and Slurm commands read them, so both
 * sides name the same types. Run events are events.jsonl lines (RunEvent, written by eventToJsonLine), so
 * a job's stdout is an exact copy of its events.jsonl after the {"type":"run"} line.
 */
import type { EnvReport } from '../core/backend/types';
import type { InspectReport } from '../core/data/inspect';
import type { EvaluationSource, RunEvent, RunStatus } from '../core/runs/types';

/** `medssl env --json` prints one EnvReport; `medssl inspect --json` one InspectReport (the last line). */
export type { EnvReport, InspectReport, RunEvent };

/** `medssl run|evaluate|task --json`, first line: the run folder the job writes (resume: reopened). */
export interface RunFolderLine {
  type: 'run';
  id: string;
  dir: string;
  /** Evaluation runs: the run whose checkpoint is evaluated. */
  source?: EvaluationSource;
  /** Set when nothing was started (resume of a completed run). */
  status?: 'completed';
  message?: string;
}

/** `medssl submit --json`: one line per run folder queued on a cluster (or the local executor). */
export interface SubmittedLine {
  type: 'submitted';
  executor: string;
  id: string;
  dir: string;
  clusterJobId: string;
}

/** `medssl submit --wait --json`: a run's status changed while the scheduler was followed. */
export interface ClusterStateLine {
  type: 'state';
  id: string;
  dir: string;
  clusterJobId: string;
  status: RunStatus;
  /** The scheduler's own word for the state (squeue/sacct), when it knows the job. */
  cluster?: string;
  error?: string;
}

/** The lines a job command prints: its run folder, then its run events. */
export type JobStdoutLine = RunFolderLine | RunEvent;
/** The lines `medssl submit` prints. */
export type SubmitStdoutLine = SubmittedLine | ClusterStateLine;
export type WorkerStdoutLine = JobStdoutLine | SubmitStdoutLine;

const EVENT_TYPES: ReadonlySet<string> = new Set<RunEvent['type']>(['scalar', 'status', 'log', 'artifact', 'progress']);

/** One stdout line of the CLI's own (not run events: those go through eventToJsonLine). */
export function workerLine(line: RunFolderLine | SubmitStdoutLine): string {
  return JSON.stringify(line);
}

/**
 * Reads one stdout line: a typed line, or undefined when it is not one (plain text, a warning, a JSON
 * value of another shape). Only the fields the readers rely on are checked; NaN/±Infinity scalars, which
 * the writer prints as strings, become numbers again.
 */
export function parseWorkerLine(line: string): WorkerStdoutLine | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const str = (k: string) => typeof v[k] === 'string';
  switch (v.type) {
    case 'run':
      return str('id') && str('dir') ? (v as unknown as RunFolderLine) : undefined;
    case 'submitted':
      return str('dir') && str('clusterJobId') ? (v as unknown as SubmittedLine) : undefined;
    case 'state':
      return str('dir') && str('status') && str('clusterJobId') ? (v as unknown as ClusterStateLine) : undefined;
  }
  if (!str('t') || typeof v.type !== 'string' || !EVENT_TYPES.has(v.type)) return undefined;
  if (v.type === 'scalar' && typeof v.value === 'string') v.value = Number(v.value);
  return v as unknown as RunEvent;
}

/** Whether a parsed line is a run event (has the event time `t`). */
export function isRunEvent(line: WorkerStdoutLine): line is RunEvent {
  return 't' in line;
}
