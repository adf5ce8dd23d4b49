/**
 * Pretraining data: slices from the built-in phantom (seeded) or a dataset folder through the streaming
 * loader, split by case into training and held-out slices; batches of two augmented views with their
 * geometry.
 */
import * as tf from '@tensorflow/tfjs';
import { twoViews, type AugmentConfig as ViewAugmentConfig } from '../data/augment';
import { DataError } from '../data/errors';
import { SliceDataset, preparedCaseBytes } from '../data/loader';
import { splitByCase, type IntensityPreset } from '../data/preprocess';
import type { RandomSource } from '../data/random';
import type { Slice } from '../data/volume';
import type { ExperimentConfig } from '../config/types';
import type { MocoBatch } from '../ssl/moco';

export class DataConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'DataConfigError';
  }
}

export interface PretrainData {
  train: Slice[];
  heldOut: Slice[];
  trainCases: string[];
  heldOutCases: string[];
}

export function intensityPreset(c: ExperimentConfig): IntensityPreset {
  switch (c.data.window) {
    case 'abdomen': return { kind: 'abdomen' };
    case 'transunet': return { kind: 'transunet' };
    case 'w400l40': return { kind: 'w400l40' };
    case 'zscore': return { kind: 'zscore', offset: 1024, mean: c.data.zscore.mean, std: c.data.zscore.std };
    case 'none': return { kind: 'zscore', offset: 0, mean: 0, std: 1 };
  }
}

/** The two-view augmentation of the config (views have the data size). */
export function viewAugment(c: ExperimentConfig): ViewAugmentConfig {
  const a = c.ssl.augment;
  const windowed = c.data.window !== 'zscore' && c.data.window !== 'none';
  return {
    size: [c.data.size, c.data.size],
    scale: a.cropScale,
    flipH: a.flip ? 0.5 : 0,
    flipV: 0,
    rotationDeg: a.rotationDeg,
    brightness: a.brightness,
    contrast: a.contrast,
    gamma: a.gamma > 0 && windowed ? [1 / (1 + a.gamma), 1 + a.gamma] : null,
    blurProb: a.blurProbability,
    noiseStd: a.noiseStd,
  };
}

/**
 * The training and held-out slices, split by case, through the streaming loader (data/loader.ts) for
 * both sources: the phantom's cases are generated on demand and a folder's cases read on demand, kept
 * as prepared slices in an LRU bounded by PREPARED_CACHE_BYTES (nothing is held beyond it). The
 * numbers equal the whole-volume path (`caseToSlices`) slice for slice, so a seed gives the same run.
 */
export function loadPretrainData(c: ExperimentConfig, o: { cacheBytes?: number } = {}): PretrainData {
  const cacheBytes = o.cacheBytes ?? PREPARED_CACHE_BYTES;
  if (c.data.source === 'folder') return loadFolderPretrainData(c, cacheBytes);
  if (c.data.source !== 'phantom') {
    throw new DataConfigError('data.source', `'${String(c.data.source)}' is not a data source; use phantom or folder`);
  }
  const p = c.data.phantom;
  const n = c.data.size;
  const grid = Math.max(64, n);
  const perCase = Math.max(1, p.slices * n * n * 4);
  const ds = SliceDataset.phantom(p.cases, { seed: p.seed, shape: [grid, grid, p.slices] }, {
    intensity: intensityPreset(c),
    size: [n, n],
    minForegroundPixels: c.data.foregroundOnly ? 1 : 0,
    cacheCases: Math.max(2, Math.floor(cacheBytes / perCase)),
  });
  const ids = ds.caseIds;
  const f = c.data.heldOutFraction;
  const split = f > 0 ? splitByCase(ids, { train: 1 - f, val: f }, c.seed) : { train: [...ids].sort(), val: [], test: [] };
  const trainDs = ds.subset(split.train);
  if (trainDs.length < c.pretrain.batchSize) {
    throw new DataConfigError('pretrain.batchSize', `${c.pretrain.batchSize} is larger than the ${trainDs.length} training slices (${split.train.length} cases); lower it or add cases`);
  }
  const rethrow = (e: unknown): unknown => e;
  return { train: lazySlices(trainDs, rethrow), heldOut: lazySlices(ds.subset(split.val), rethrow), trainCases: split.train, heldOutCases: split.val };
}

/** Memory for prepared slices (phantom or folder): within it every case is read or generated once per run. */
const PREPARED_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * A dataset folder (any layout the loader detects; labels unused) through the streaming loader: the
 * index comes from the headers, cases are read when their slices are first needed and kept as
 * prepared slices in an LRU sized to PREPARED_CACHE_BYTES. Bad input becomes a DataConfigError naming the
 * case and file (exit 2), also when it is found mid-run.
 */
function loadFolderPretrainData(c: ExperimentConfig, cacheBytes: number): PretrainData {
  const root = c.data.path;
  if (root === undefined || root === '') throw new DataConfigError('data.path', "is required when data.source is 'folder'");
  const n = c.data.size;
  const minFg = c.data.foregroundOnly ? 1 : 0;
  const asConfigError = (e: unknown): unknown => (e instanceof DataError ? new DataConfigError('data.path', e.message) : e);
  let ds: SliceDataset;
  try {
    const probe = SliceDataset.open(root, { intensity: intensityPreset(c), size: [n, n], minForegroundPixels: minFg, cacheCases: 1 });
    const perCase = Math.max(1, ...probe.cases.map((k) => preparedCaseBytes(k, [n, n], false)));
    const cacheCases = Math.max(2, Math.floor(cacheBytes / perCase));
    ds = minFg > 0 ? probe : SliceDataset.open(root, { intensity: intensityPreset(c), size: [n, n], cacheCases });
  } catch (e) {
    throw asConfigError(e);
  }
  const ids = ds.caseIds;
  const f = c.data.heldOutFraction;
  const split = f > 0 ? splitByCase(ids, { train: 1 - f, val: f }, c.seed) : { train: [...ids].sort(), val: [], test: [] };
  const trainDs = ds.subset(split.train);
  if (trainDs.length < c.pretrain.batchSize) {
    throw new DataConfigError('pretrain.batchSize', `${c.pretrain.batchSize} is larger than the ${trainDs.length} training slices (${split.train.length} cases in ${root}); lower it or add cases`);
  }
  return { train: lazySlices(trainDs, asConfigError), heldOut: lazySlices(ds.subset(split.val), asConfigError), trainCases: split.train, heldOutCases: split.val };
}

const PREFETCH = Symbol('medssl.prefetch');
const ORDER = Symbol('medssl.order');

/**
 * The slice order of one epoch (indices into `slices`), drawn with the training loop's own shuffle.
 * When every case's prepared slices fit in the loader's cache (the phantom, most research folders) it
 * is exactly `shuffle([0, 1, …, n − 1])`, so a run is unchanged. Beyond the cache a global shuffle
 * would read a volume for almost every slice; then the cases are shuffled, and the slices within
 * windows of half the cache's cases (a shuffle buffer), so that each case is read once per epoch.
 */
export function epochOrder(slices: Slice[], shuffle: (a: number[]) => number[]): number[] {
  const f = (slices as unknown as Record<symbol, ((s: (a: number[]) => number[]) => number[]) | undefined>)[ORDER];
  return f ? f(shuffle) : shuffle(Array.from({ length: slices.length }, (_, i) => i));
}

/**
 * Starts preparing the cases of these slices (of `loadPretrainData`'s `train` or `heldOut`) in the
 * background — file reads and gunzip on libuv's thread pool — so that indexing them later finds them
 * in the loader's cache. A training loop calls it with the next batch's indices before it runs the
 * current step. Resolves when they are cached; rejects with the DataConfigError of a bad case. For a
 * plain array it does nothing.
 */
export function prefetchSlices(slices: Slice[], indices: readonly number[]): Promise<void> {
  const f = (slices as unknown as Record<symbol, ((i: readonly number[]) => Promise<void>) | undefined>)[PREFETCH];
  return f ? f(indices) : Promise.resolve();
}

/** An array view of a dataset's slices: indexing reads through the loader's cache (nothing is read up front). */
function lazySlices(ds: SliceDataset, onError: (e: unknown) => unknown): Slice[] {
  const index = (k: string | symbol): number | null => (typeof k === 'string' && /^(0|[1-9]\d*)$/.test(k) ? Number(k) : null);
  const prefetch = async (indices: readonly number[]): Promise<void> => {
    const firstOfCase = new Map<number, number>();
    for (const i of indices) if (i >= 0 && i < ds.length && !firstOfCase.has(ds.refs[i].caseIndex)) firstOfCase.set(ds.refs[i].caseIndex, i);
    try {
      await Promise.all([...firstOfCase.values()].map((i) => ds.get(i)));
    } catch (e) {
      throw onError(e);
    }
  };
  const order = (shuffle: (a: number[]) => number[]): number[] => {
    const all = Array.from({ length: ds.length }, (_, i) => i);
    const cases = [...new Set(ds.refs.map((r) => r.caseIndex))];
    if (cases.length <= ds.cacheCapacity) return shuffle(all);
    const byCase = new Map<number, number[]>(cases.map((ci) => [ci, []]));
    ds.refs.forEach((r, i) => byCase.get(r.caseIndex)!.push(i));
    shuffle(cases);
    const w = Math.max(1, Math.floor(ds.cacheCapacity / 2));
    const out: number[] = [];
    for (let k = 0; k < cases.length; k += w) out.push(...shuffle(cases.slice(k, k + w).flatMap((ci) => byCase.get(ci)!)));
    return out;
  };
  return new Proxy([] as Slice[], {
    get(target, k, receiver) {
      if (k === PREFETCH) return prefetch;
      if (k === ORDER) return order;
      if (k === 'length') return ds.length;
      const i = index(k);
      if (i === null) return Reflect.get(target, k, receiver);
      if (i >= ds.length) return undefined;
      try {
        return ds.getSync(i).image;
      } catch (e) {
        throw onError(e);
      }
    },
    has(target, k) {
      const i = index(k);
      return i === null ? Reflect.has(target, k) : i < ds.length;
    },
  });
}

/** Two views of each slice as plain arrays ([N, H, W, 1] row-major each) plus each pair's geometry. */
export interface BatchViews {
  q: Float32Array;
  k: Float32Array;
  geometry: MocoBatch['geometry'];
  n: number;
  height: number;
  width: number;
}

/** Draws the two views of each slice from `r` (the same draws as {@link makeBatch}). */
export function makeViews(slices: Slice[], aug: ViewAugmentConfig, r: RandomSource): BatchViews {
  const [w, h] = aug.size;
  const q = new Float32Array(slices.length * w * h);
  const k = new Float32Array(slices.length * w * h);
  const geometry: MocoBatch['geometry'] = [];
  slices.forEach((s, i) => {
    const [a, b] = twoViews(s, aug, r);
    q.set(a.image.data, i * w * h);
    k.set(b.image.data, i * w * h);
    geometry.push([a.geometry, b.geometry]);
  });
  return { q, k, geometry, n: slices.length, height: h, width: w };
}

/** Two views of each slice → a MoCo batch (tensors [N, H, W, 1] plus each pair's geometry). */
export function makeBatch(slices: Slice[], aug: ViewAugmentConfig, r: RandomSource): MocoBatch {
  const v = makeViews(slices, aug, r);
  return {
    xq: tf.tensor4d(v.q, [v.n, v.height, v.width, 1]),
    xk: tf.tensor4d(v.k, [v.n, v.height, v.width, 1]),
    geometry: v.geometry,
  };
}
