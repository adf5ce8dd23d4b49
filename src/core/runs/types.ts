/** The run folder contract (DESIGN.md "Run folder"): what every viewer reads. */
import type { BackendChoice } from '../backend/types';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type RunStage = 'pretrain' | 'linear' | 'finetune' | 'demo';

export interface RunJson {
  id: string;
  name: string;
  stage: RunStage;
  status: RunStatus;
  backend?: BackendChoice;
  host: string;
  pid?: number;
  clusterJobId?: string;
  started: string;
  ended?: string;
  error?: { message: string; where?: string };
  /** An evaluation run (`medssl evaluate`): the pretraining run and checkpoint it evaluates. */
  source?: EvaluationSource;
  configHash: string;
  codeVersion: string;
}

/** What run.json of an evaluation run says about the run it evaluated. */
export interface EvaluationSource {
  runId: string;
  dir: string;
  /** The checkpoint folder evaluated (checkpoints/<step>). */
  checkpoint: string;
}

/** The stage a progress event counts (each stage counts its own steps). */
export type ProgressStage = 'pretrain' | 'linear' | 'finetune';

/** One line of events.jsonl. */
export type RunEvent =
  | { t: string; step: number; epoch: number; type: 'scalar'; name: string; value: number }
  | { t: string; step: number; epoch: number; type: 'status'; status: RunStatus; message?: string }
  | { t: string; step: number; epoch: number; type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { t: string; step: number; epoch: number; type: 'artifact'; path: string; kind: string }
  | { t: string; step: number; epoch: number; type: 'progress'; totalSteps: number; imagesPerSec: number; etaSec: number; stage?: ProgressStage };

/**
 * Writes one run folder (implemented in writer.ts). Every file is written atomically (temporary name,
 * then rename); events.jsonl is append-only. The creator writes run.json (status running), the
 * resolved config.yaml, and an empty events.jsonl before returning.
 */
export interface RunWriter {
  readonly id: string;
  readonly dir: string;
  /** Appends one event (the `t` field is filled in) and forwards it to the listener (stdout JSON lines). */
  event(e: DistributiveOmit<RunEvent, 't'>): void;
  scalar(step: number, epoch: number, name: string, value: number): void;
  log(level: 'info' | 'warn' | 'error', message: string, step?: number, epoch?: number): void;
  /** Writes JSON to a path inside the run folder atomically and emits an artifact event. */
  writeJson(relPath: string, value: unknown, kind: string, step?: number, epoch?: number): string;
  /** Writes bytes to a path inside the run folder atomically and emits an artifact event. */
  writeBytes(relPath: string, data: Uint8Array, kind: string, step?: number, epoch?: number): string;
  /** Merges fields into run.json (atomically). */
  update(fields: Partial<RunJson>): void;
  /** Terminal states: write run.json with ended time and a status event. */
  complete(): void;
  fail(message: string, where?: string): void;
  cancel(message?: string): void;
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
