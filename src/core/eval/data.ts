/**
 * Labelled slices for the downstream evaluations: the same cases, preprocessing and case split as the
 * pretraining (data/runSplit.ts: data.heldOutFraction, drawn by data.splitSeed or the run seed), so that Dice is
 * always reported on cases the encoder never saw. The built-in phantom (10 labelled organs) or a labelled
 * dataset folder in any layout the dataset detects (MSD, nnU-Net v2, BTCV, AbdomenCT-1K, paired slice
 * folders), both read through the streaming dataset (data/dataset.ts) one case at a time; the labelled
 * slices of both splits are held in memory (prepared at data.size, so a few hundred MB at most for
 * BTCV-sized sets at 128 px).
 */
import { SliceDataset } from '../data/dataset';
import { DataError } from '../data/errors';
import { PHANTOM_LABELS } from '../data/phantom/generate';
import { runCaseSplit } from '../data/runSplit';
import type { Slice } from '../data/volume';
import type { ExperimentConfig } from '../config/types';
import { DataConfigError, intensityPreset } from '../train/data';
import { Rng } from '../util/rng';

export interface LabelledSlice {
  caseId: string;
  /** Axial index within its case. */
  z: number;
  image: Slice;
  /** Class indices 0..K−1 (float storage, integer values). */
  label: Slice;
}

export interface SegmentationData {
  train: LabelledSlice[];
  heldOut: LabelledSlice[];
  trainCases: string[];
  heldOutCases: string[];
  numClasses: number;
  classNames: string[];
  size: number;
  /** Intensity range of the normalised images (for display): the window's [0, 1], or the data range. */
  displayRange: [number, number];
}

export function loadSegmentationData(c: ExperimentConfig): SegmentationData {
  const folder = c.data.source === 'folder';
  const root = c.data.path;
  if (folder && (root === undefined || root === '')) throw new DataConfigError('data.path', "is required when data.source is 'folder'");
  const f = c.data.heldOutFraction;
  if (!(f > 0))
    throw new DataConfigError('data.heldOutFraction', 'is 0: the evaluations need held-out cases to report Dice on; set it to e.g. 0.2');
  const n = c.data.size;
  const opts = {
    intensity: intensityPreset(c),
    size: [n, n] as [number, number],
    labels: true,
    minForegroundPixels: c.data.foregroundOnly ? 1 : 0,
    cacheCases: 1,
  };
  try {
    const p = c.data.phantom;
    const grid = Math.max(64, n);
    const ds = folder
      ? SliceDataset.open(root!, opts)
      : SliceDataset.phantom(p.cases, { seed: p.seed, shape: [grid, grid, p.slices] }, opts);
    const split = runCaseSplit(c, ds.caseIds);
    const load = (ids: string[]): LabelledSlice[] => {
      const sub = ds.subset(ids);
      const out: LabelledSlice[] = [];
      for (let i = 0; i < sub.length; i++) {
        const s = sub.getSync(i);
        if (!s.label)
          throw new DataConfigError('data.path', `${root}: case '${s.caseId}' has no label; the evaluations need a labelled dataset`);
        out.push({ caseId: s.caseId, z: s.z, image: s.image, label: s.label });
      }
      return out;
    };
    const train = load(split.train);
    const heldOut = load(split.val);
    let maxLabel = 0;
    for (const s of [...train, ...heldOut]) for (const v of s.label.data) if (v > maxLabel) maxLabel = v;
    const named: Record<number, string> = folder ? (ds.labelNames ?? {}) : { ...PHANTOM_LABELS };
    const numClasses = Math.max(maxLabel, ...Object.keys(named).map(Number)) + 1;
    const classNames = Array.from({ length: numClasses }, (_, k) => named[k] ?? (k === 0 ? 'background' : `class_${k}`));
    return {
      train,
      heldOut,
      trainCases: split.train,
      heldOutCases: split.val,
      numClasses,
      classNames,
      size: n,
      displayRange: displayRangeOf(c, [...train, ...heldOut]),
    };
  } catch (e) {
    if (folder && e instanceof DataError) throw new DataConfigError('data.path', e.message);
    throw e;
  }
}

/** The first ⌈fraction·n⌉ (≥ 1) training cases in a seeded order: label fractions are by case. */
export function labelFractionCases(cases: readonly string[], fraction: number, seed: number): string[] {
  if (fraction >= 1) return [...cases];
  const order = new Rng(Rng.hashSeed(`${seed}/labelFraction`)).shuffle([...cases].sort());
  return order.slice(0, Math.max(1, Math.ceil(fraction * cases.length))).sort();
}

/** Images [N, H, W, 1] and labels [N, H, W] of some slices, as flat arrays. */
export function stackSlices(slices: readonly LabelledSlice[]): { x: Float32Array; y: Int32Array; h: number; w: number } {
  const h = slices[0].image.height;
  const w = slices[0].image.width;
  const x = new Float32Array(slices.length * h * w);
  const y = new Int32Array(slices.length * h * w);
  slices.forEach((s, i) => {
    x.set(s.image.data, i * h * w);
    for (let j = 0; j < h * w; j++) y[i * h * w + j] = s.label.data[j];
  });
  return { x, y, h, w };
}

function displayRangeOf(c: ExperimentConfig, all: Iterable<LabelledSlice>): [number, number] {
  if (c.data.window !== 'zscore' && c.data.window !== 'none') return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of all)
    for (const v of x.image.data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  return [lo, hi];
}
