/**
 * Pretraining data: slices from the built-in phantom (seeded) or a dataset folder, split by case into
 * training and held-out slice sources (data/sliceSource.ts: a read may touch the disk, so it is
 * asynchronous, and the next batch can be prefetched); batches of two augmented views with their
 * geometry.
 */
import * as tf from '@tensorflow/tfjs';
import { twoViews, type AugmentConfig as ViewAugmentConfig } from '../data/augment';
import { DataError } from '../data/errors';
import { preparedCaseBytes } from '../data/caseIndex';
import { SliceDataset } from '../data/dataset';
import type { IntensityPreset } from '../data/preprocess';
import { runCaseSplit } from '../data/runSplit';
import type { RandomSource } from '../data/random';
import { datasetSource, type SliceSource } from '../data/sliceSource';
import type { Slice } from '../data/volume';
import type { ExperimentConfig } from '../config/types';
import type { MocoBatch } from '../ssl/moco';

export class DataConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DataConfigError';
  }
}

export interface PretrainData {
  train: SliceSource;
  heldOut: SliceSource;
  trainCases: string[];
  heldOutCases: string[];
}

export function intensityPreset(c: ExperimentConfig): IntensityPreset {
  switch (c.data.window) {
    case 'abdomen':
      return { kind: 'abdomen' };
    case 'transunet':
      return { kind: 'transunet' };
    case 'w400l40':
      return { kind: 'w400l40' };
    case 'zscore':
      return { kind: 'zscore', offset: 1024, mean: c.data.zscore.mean, std: c.data.zscore.std };
    case 'none':
      return { kind: 'zscore', offset: 0, mean: 0, std: 1 };
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
 * The training and held-out slices, split by case, through the streaming dataset (data/dataset.ts) for
 * both sources: the phantom's cases are generated on demand and a folder's cases read on demand, kept
 * as prepared slices in an LRU bounded by PREPARED_CACHE_BYTES (nothing is held beyond it). The
 * numbers equal the whole-volume path (`caseToSlices`) slice for slice, so a seed gives the same run.
 * Bad input in a folder becomes a DataConfigError naming the case and file (exit 2), also when it is
 * found mid-run by a read.
 */
export function loadPretrainData(c: ExperimentConfig, o: { cacheBytes?: number } = {}): PretrainData {
  const cacheBytes = o.cacheBytes ?? PREPARED_CACHE_BYTES;
  if (c.data.source === 'folder') {
    const asConfigError = (e: unknown): unknown => (e instanceof DataError ? new DataConfigError('data.path', e.message) : e);
    return splitForPretraining(c, openFolder(c, cacheBytes, asConfigError), asConfigError, ` in ${c.data.path}`);
  }
  if (c.data.source !== 'phantom') {
    throw new DataConfigError('data.source', `'${String(c.data.source)}' is not a data source; use phantom or folder`);
  }
  const p = c.data.phantom;
  const n = c.data.size;
  const grid = Math.max(64, n);
  const perCase = Math.max(1, p.slices * n * n * 4);
  const ds = SliceDataset.phantom(
    p.cases,
    { seed: p.seed, shape: [grid, grid, p.slices] },
    {
      intensity: intensityPreset(c),
      size: [n, n],
      minForegroundPixels: c.data.foregroundOnly ? 1 : 0,
      cacheCases: Math.max(2, Math.floor(cacheBytes / perCase)),
    },
  );
  return splitForPretraining(c, ds, (e) => e, '');
}

/** Memory for prepared slices (phantom or folder): within it every case is read or generated once per run. */
const PREPARED_CACHE_BYTES = 512 * 1024 * 1024;

/** A dataset folder (any layout the dataset detects; labels unused), its cache sized to `cacheBytes`. */
function openFolder(c: ExperimentConfig, cacheBytes: number, asConfigError: (e: unknown) => unknown): SliceDataset {
  const root = c.data.path;
  if (root === undefined || root === '') throw new DataConfigError('data.path', "is required when data.source is 'folder'");
  const n = c.data.size;
  const minFg = c.data.foregroundOnly ? 1 : 0;
  try {
    const probe = SliceDataset.open(root, { intensity: intensityPreset(c), size: [n, n], minForegroundPixels: minFg, cacheCases: 1 });
    const perCase = Math.max(1, ...probe.cases.map((k) => preparedCaseBytes(k, [n, n], false)));
    const cacheCases = Math.max(2, Math.floor(cacheBytes / perCase));
    return minFg > 0 ? probe : SliceDataset.open(root, { intensity: intensityPreset(c), size: [n, n], cacheCases });
  } catch (e) {
    throw asConfigError(e);
  }
}

/** The run's case split (seeded by the run) as two slice sources; the batch must fit in the training slices. */
function splitForPretraining(c: ExperimentConfig, ds: SliceDataset, onError: (e: unknown) => unknown, where: string): PretrainData {
  const ids = ds.caseIds;
  const split = runCaseSplit(c, ids);
  const trainDs = ds.subset(split.train);
  if (trainDs.length < c.pretrain.batchSize) {
    throw new DataConfigError(
      'pretrain.batchSize',
      `${c.pretrain.batchSize} is larger than the ${trainDs.length} training slices (${split.train.length} cases${where}); lower it or add cases`,
    );
  }
  return {
    train: datasetSource(trainDs, onError),
    heldOut: datasetSource(ds.subset(split.val), onError),
    trainCases: split.train,
    heldOutCases: split.val,
  };
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
