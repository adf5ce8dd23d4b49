/**
 * Every message between the extension host and the webview panels, in both directions. Both the host
 * bundle and the webview bundles import this module; nothing else crosses the boundary.
 * Large arrays (images, masks, spectra) travel as ArrayBuffers, never as JSON arrays.
 */
import type { EnvReport } from '../core/backend/types';

export type { EnvReport };

// ---------------------------------------------------------------------------------------------------------
// Collapse panel (webview/collapse): diagnostics/<step>.json of one or more runs.

/** One spectrum of a diagnostics step. `eigenvalues` is a Float64Array's buffer (descending covariance eigenvalues). */
export interface SpectrumPayload {
  dim: number;
  samples: number;
  effectiveRank: number;
  /** How many leading dimensions hold 99% of the variance. */
  dims99: number;
  stdSqrtD: number;
  eigenvalues: ArrayBuffer;
}

export interface CollapseStep {
  step: number;
  epoch: number;
  representation: SpectrumPayload;
  embedding: SpectrumPayload;
  alignment: number;
  uniformity: number;
  top1: number;
}

/** A run as the panels name it: id, config name, and the config values in which it differs from the runs shown beside it. */
export interface RunLabel {
  runId: string;
  name: string;
  status: string;
  /** The run folder (kept in the panel's state so the serializer can reopen it after a reload). */
  dir?: string;
  /** e.g. ["ssl.local.enabled=false", "model.whitening.enabled=false"]; empty when alone or identical. */
  differs: string[];
}

export interface CollapseRun extends RunLabel {
  steps: CollapseStep[];
}

// ---------------------------------------------------------------------------------------------------------
// Curves panel (webview/curves): the scalars of events.jsonl of one or more runs, live.

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

/** A new scalar point (live: few at a time, so plain JSON). */
export interface ScalarPoint {
  name: string;
  step: number;
  value: number;
}

// ---------------------------------------------------------------------------------------------------------
// Overlays panel (webview/overlays): overlays/<tag>/index.json + slices.bin of the evaluation.

export interface OverlaySliceInfo {
  caseId: string;
  z: number;
  /** Per-slice Dice per class (null: the class is absent in truth and prediction). */
  dice: Array<number | null>;
  meanForeground: number | null;
  worstFor: number[];
}

export interface OverlaysPayload {
  run: RunLabel;
  /** The evaluation the overlays come from (e.g. "linear"). */
  tag: string;
  width: number;
  height: number;
  classNames: string[];
  slices: OverlaySliceInfo[];
  /** Per class: index into `slices` of its worst slice, −1 when absent everywhere. */
  worstSlicePerClass: number[];
  /** Dice per class of each whole case (metrics.json). */
  caseDice: { caseId: string; perClass: Array<number | null>; meanForeground: number | null }[];
  /** Per slice, 3 planes of width×height uint8: image (0..255), truth (class), prediction (class). */
  data: ArrayBuffer;
}

/** Host → webview. */
export type HostToWebview =
  | { type: 'env'; report: EnvReport }
  | { type: 'envError'; message: string }
  | { type: 'busy'; what: string }
  /** Collapse: every run's diagnostics so far (replaces what the panel shows). */
  | { type: 'collapse'; runs: CollapseRun[] }
  /** Collapse: a new diagnostics step of a run shown (a job still training). */
  | { type: 'collapseStep'; runId: string; step: CollapseStep }
  /** Curves: every run's scalars so far (replaces what the panel shows). */
  | { type: 'curves'; runs: CurvesRun[] }
  /** Curves: new scalars appended to a run's events.jsonl (the host tails it). */
  | { type: 'curvesAppend'; runId: string; points: ScalarPoint[]; status?: string }
  /** Overlays: the slices of one evaluation of a run. */
  | { type: 'overlays'; overlays: OverlaysPayload }
  /** Run view (webview/runview): the run followed now (null: none), with its scalars. */
  | { type: 'runView'; run: CurvesRun | null; progress?: RunProgress }
  /** Run view: training progress of the followed run. */
  | { type: 'runProgress'; runId: string; progress: RunProgress }
  /** Any panel: a problem reading the run folder, named and with what to do. */
  | { type: 'runError'; message: string };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'recheck' }
  /** Save a file the panel made (CSV text, or PNG bytes as an ArrayBuffer): the host asks where. */
  | { type: 'saveFile'; suggestedName: string; text?: string; bytes?: ArrayBuffer };

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'recheck' || t === 'saveFile';
}
