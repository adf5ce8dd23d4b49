/**
 * The Run side view (webview/runview): the run followed now, the progress of its current stage, and its
 * scalars (appended live with the Curves panel's message).
 */
import type { ReadyMessage, RunErrorMessage } from './common';
import type { CurvesAppendMessage, CurvesRun } from './curves';

/** Progress of the current stage of a run (a run trains, then evaluates: each stage counts its own steps). */
export interface RunProgress {
  step: number;
  totalSteps: number;
  imagesPerSec: number;
  etaSec: number;
  /** The stage these steps count: 'pretraining', 'linear evaluation', 'fine-tuning'. */
  stage?: string;
  /** The stages finished before it, in order (e.g. ['pretraining'] while the linear evaluation runs). */
  stagesDone?: string[];
}

/** The run followed now (null: none), with its scalars. */
export interface RunViewMessage {
  type: 'runView';
  run: CurvesRun | null;
  progress?: RunProgress;
}

/** Training progress of the followed run. */
export interface RunProgressMessage {
  type: 'runProgress';
  runId: string;
  progress: RunProgress;
}

export type RunViewHostMessage = RunViewMessage | RunProgressMessage | CurvesAppendMessage | RunErrorMessage;
export type RunViewWebviewMessage = ReadyMessage;
