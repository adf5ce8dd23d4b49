/**
 * Collapse panel (webview/collapse): diagnostics/<step>.json of one or more runs. Eigenvalues travel as
 * ArrayBuffers (Float64Array), never as JSON arrays.
 */
import type { ReadyMessage, RunErrorMessage, RunLabel } from './common';

/** One spectrum of a diagnostics step. `eigenvalues` is a Float64Array's buffer (descending covariance eigenvalues). */
export interface SpectrumPayload {
  dim: number;
  samples: number;
  /** RankMe (Garrido et al. 2023): exp of the entropy of the normalised singular values (√ of the eigenvalues); the headline. */
  rankMe: number;
  /** Effective rank in the eigenvalue form exp(H(λ/Σλ)); lower than RankMe, shown labelled. */
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
  /**
   * Every recorded layer by name, in network order: `layer1`..`layer4`, `lastNorm.in`/`lastNorm.out`,
   * `beforePool.in`/`beforePool.out` (whitening there only), `representation`, `embedding` (the same two
   * payloads as above). Runs recorded before per-layer diagnostics have only the last two.
   */
  layers: Record<string, SpectrumPayload>;
  alignment: number;
  uniformity: number;
  top1: number;
}

export interface CollapseRun extends RunLabel {
  steps: CollapseStep[];
}

/** Every run's diagnostics so far (replaces what the panel shows). */
export interface CollapseMessage {
  type: 'collapse';
  runs: CollapseRun[];
}

/** A new diagnostics step of a run shown (a job still training). */
export interface CollapseStepMessage {
  type: 'collapseStep';
  runId: string;
  step: CollapseStep;
}

export type CollapseHostMessage = CollapseMessage | CollapseStepMessage | RunErrorMessage;
export type CollapseWebviewMessage = ReadyMessage;
