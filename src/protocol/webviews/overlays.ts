/**
 * Overlays panel (webview/overlays): overlays/<tag>/index.json + slices.bin of an evaluation, or of a
 * `medssl predict` output (its overlays/<tag>/ folder itself). The slice planes travel as one ArrayBuffer.
 */
import type { ReadyMessage, RunErrorMessage, RunLabel } from './common';

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
  /**
   * False for a prediction on volumes without labels (`medssl predict`): the truth planes are empty and
   * there is no Dice, so the panel shows the prediction alone. Absent (evaluations): true.
   */
  groundTruth?: boolean;
}

/** The slices of one evaluation of a run. */
export interface OverlaysMessage {
  type: 'overlays';
  overlays: OverlaysPayload;
}

export type OverlaysHostMessage = OverlaysMessage | RunErrorMessage;
export type OverlaysWebviewMessage = ReadyMessage;
