/**
 * The Overlays panel's format (eval/overlays.ts: index.json + slices.bin) for a prediction, written at
 * the model's slice size beside the label maps: a few slices per case, evenly spaced over the slices
 * where something was segmented. Without labels the truth planes are empty and `groundTruth: false`
 * tells the panel to show the prediction alone (no Dice, no difference view).
 */
import type { SliceDice } from '../metrics/dice';
import { encodeOverlays, type OverlayIndex, type OverlaySource } from '../eval/overlays';

export interface PredictOverlaySlice {
  caseId: string;
  z: number;
  image: Float32Array;
  pred: Uint8Array;
  truth?: Float32Array;
  dice?: SliceDice;
}

/** `count` slice indices evenly spaced over those with predicted foreground (all slices when none has any). */
export function chooseSegmentedSlices(preds: readonly Uint8Array[], count: number): number[] {
  const fg = preds.flatMap((p, z) => (p.some((v) => v !== 0) ? [z] : []));
  const pool = fg.length > 0 ? fg : preds.map((_, z) => z);
  const k = Math.min(count, pool.length);
  return [...new Set(Array.from({ length: k }, (_, i) => pool[Math.floor(((i + 0.5) * pool.length) / k)]))];
}

export type PredictOverlayIndex = OverlayIndex & { groundTruth: boolean };

export function encodePredictOverlays(
  slices: readonly PredictOverlaySlice[],
  meta: { size: number; numClasses: number; classNames: string[]; displayRange: [number, number] },
): { index: PredictOverlayIndex; data: Uint8Array } {
  const groundTruth = slices.length > 0 && slices.every((s) => s.truth !== undefined);
  const empty = new Uint8Array(meta.size * meta.size);
  const none: Array<number | null> = new Array<number | null>(meta.numClasses).fill(null);
  const sources: OverlaySource[] = slices.map((s) => ({
    caseId: s.caseId,
    z: s.z,
    image: s.image,
    truth: groundTruth ? s.truth! : empty,
    pred: s.pred,
    dice: groundTruth && s.dice ? s.dice : { z: s.z, perClass: none, meanForeground: null },
  }));
  const { index, data } = encodeOverlays(sources, { width: meta.size, height: meta.size, ...meta });
  return { index: { ...index, groundTruth }, data };
}
