/**
 * Overlays in the run folder (DESIGN.md: overlays/<step>/...), in a compact binary form the overlay
 * panel (and the HTML report) loads with one fetch:
 *   overlays/<tag>/index.json   format, size, classes, display range, one entry per slice (case, z, byte
 *                               offset, per-slice Dice per class), the worst slice of each class
 *   overlays/<tag>/slices.bin   per slice, 3 planes of H×W uint8 one after another: image (the display
 *                               range mapped to 0..255), truth (class index), prediction (class index)
 * Slices: `count` evenly spaced held-out slices, plus the worst slice of each foreground class (lowest
 * per-slice Dice where the class is present in truth or prediction), marked in index.json.
 */
import type { SliceDice } from '../metrics/dice';
import { worstSlicePerClass } from '../metrics/dice';

export const OVERLAY_FORMAT = 'medssl-overlays';

export interface OverlayEntry {
  caseId: string;
  z: number;
  /** Byte offset of the slice's three planes in slices.bin. */
  offset: number;
  /** Per-slice Dice per class (null: absent in truth and prediction). */
  dice: Array<number | null>;
  meanForeground: number | null;
  /** Foreground classes whose worst slice this is. */
  worstFor: number[];
}

export interface OverlayIndex {
  format: typeof OVERLAY_FORMAT;
  version: 1;
  width: number;
  height: number;
  /** Planes per slice, in order. */
  planes: ['image', 'truth', 'prediction'];
  numClasses: number;
  classNames: string[];
  /** Normalised intensity mapped to 0 and 255 of the image plane. */
  displayRange: [number, number];
  dataFile: string;
  slices: OverlayEntry[];
  /** Per class: index into `slices` of its worst slice, −1 when absent everywhere (background: −1). */
  worstSlicePerClass: number[];
}

export interface OverlaySource {
  caseId: string;
  z: number;
  image: ArrayLike<number>;
  truth: ArrayLike<number>;
  pred: ArrayLike<number>;
  dice: SliceDice;
}

/** Which of `n` slices to keep: `count` evenly spaced, plus the worst per class. Sorted, unique. */
export function chooseOverlaySlices(dice: readonly SliceDice[], numClasses: number, count: number): number[] {
  const n = dice.length;
  const keep = new Set<number>();
  if (count > 0) {
    const k = Math.min(count, n);
    for (let i = 0; i < k; i++) keep.add(Math.floor(((i + 0.5) * n) / k));
    for (const w of worstSlicePerClass(dice, numClasses)) if (w >= 0) keep.add(w);
  }
  return [...keep].sort((a, b) => a - b);
}

export function encodeOverlays(
  sources: readonly OverlaySource[],
  meta: { width: number; height: number; numClasses: number; classNames: string[]; displayRange: [number, number] },
): { index: OverlayIndex; data: Uint8Array } {
  const { width, height } = meta;
  const plane = width * height;
  const data = new Uint8Array(sources.length * 3 * plane);
  const [lo, hi] = meta.displayRange;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const worst = worstSlicePerClass(
    sources.map((s) => s.dice),
    meta.numClasses,
  );
  const slices: OverlayEntry[] = sources.map((s, i) => {
    if (s.image.length !== plane || s.truth.length !== plane || s.pred.length !== plane) {
      throw new Error(`overlays: slice ${s.caseId}/${s.z} is not ${width}×${height}`);
    }
    const o = i * 3 * plane;
    for (let j = 0; j < plane; j++) {
      const v = (s.image[j] - lo) * scale;
      data[o + j] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      data[o + plane + j] = s.truth[j];
      data[o + 2 * plane + j] = s.pred[j];
    }
    return {
      caseId: s.caseId,
      z: s.z,
      offset: o,
      dice: s.dice.perClass,
      meanForeground: s.dice.meanForeground,
      worstFor: worst.flatMap((w, c) => (w === i && c > 0 ? [c] : [])),
    };
  });
  return {
    index: {
      format: OVERLAY_FORMAT,
      version: 1,
      width,
      height,
      planes: ['image', 'truth', 'prediction'],
      numClasses: meta.numClasses,
      classNames: meta.classNames,
      displayRange: meta.displayRange,
      dataFile: 'slices.bin',
      slices,
      worstSlicePerClass: worst,
    },
    data,
  };
}

/** The three planes of slice i (views into `data`). */
export function overlayPlanes(
  index: OverlayIndex,
  data: Uint8Array,
  i: number,
): { image: Uint8Array; truth: Uint8Array; prediction: Uint8Array } {
  const plane = index.width * index.height;
  const o = index.slices[i].offset;
  if (o + 3 * plane > data.byteLength) throw new Error(`overlays: ${index.dataFile} is shorter than index.json says (slice ${i})`);
  return {
    image: data.subarray(o, o + plane),
    truth: data.subarray(o + plane, o + 2 * plane),
    prediction: data.subarray(o + 2 * plane, o + 3 * plane),
  };
}
