/**
 * Curves panel (webview/curves): the scalars of events.jsonl of one or more runs, live. Large arrays travel
 * as ArrayBuffers (Float64Array), never as JSON arrays.
 */
import type { ReadyMessage, RunErrorMessage, RunLabel, SaveFileMessage } from './common';

/** One scalar of one run: `steps` and `values` are Float64Array buffers of equal length, by step. */
export interface ScalarSeries {
  name: string;
  steps: ArrayBuffer;
  values: ArrayBuffer;
}

export interface CurvesRun extends RunLabel {
  series: ScalarSeries[];
  /** Training progress, when known. */
  totalSteps?: number;
}

/** A new scalar point (live: few at a time, so plain JSON). */
export interface ScalarPoint {
  name: string;
  step: number;
  value: number;
}

/** Every run's scalars so far (replaces what the panel shows). */
export interface CurvesMessage {
  type: 'curves';
  runs: CurvesRun[];
}

/** New scalars appended to a run's events.jsonl (the host tails it); also sent to the Run side view. */
export interface CurvesAppendMessage {
  type: 'curvesAppend';
  runId: string;
  points: ScalarPoint[];
  status?: string;
}

export type CurvesHostMessage = CurvesMessage | CurvesAppendMessage | RunErrorMessage;
export type CurvesWebviewMessage = ReadyMessage | SaveFileMessage;
