/**
 * The inverse of the slicing path (resample.ts): class probabilities of the model's S×S axial slices
 * back on the input volume's own voxel grid, in its stored voxel order.
 *
 * The forward path samples RAS slice pixel c of S at source position x = (c + 0.5)·n/S − 0.5 (pixel
 * centres aligned, align_corners = false) in the display convention (pixel c ↔ RAS voxel n − 1 − x).
 * The inverse samples the S-grid at c = (x + 0.5)·S/n − 0.5 for every voxel x, bilinearly with edge
 * clamping, so a structure keeps its world position through both resamplings. Labels are the argmax of
 * the resampled probabilities (never nearest-neighbour on labels, which moves boundaries by up to half
 * a model pixel). At S = n the sampling is the identity and the probabilities are kept as they are.
 */
import { rasIndexing, type RasIndexing } from '../data/resample';
import type { Affine, Vec3 } from '../data/volume';

/** Taps of one axis: for each of `n` voxels (display order), the two S-grid pixels and the weight of the second. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
}

function axisTaps(n: number, s: number): Taps {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const w = new Float32Array(n);
  for (let x = 0; x < n; x++) {
    if (n === s) {
      i0[x] = i1[x] = x;
      continue;
    }
    const c = Math.max(0, Math.min(s - 1, (x + 0.5) * (s / n) - 0.5));
    const c0 = Math.floor(c);
    i0[x] = c0;
    i1[x] = Math.min(s - 1, c0 + 1);
    w[x] = c - c0;
  }
  return { i0, i1, w };
}

/** The back-projection of one volume's geometry: stored shape, RAS indexing, taps per in-plane axis. */
export interface BackProjection {
  /** Stored voxel grid of the input (NIfTI order). */
  shape: Vec3;
  ras: RasIndexing;
  size: number;
  numClasses: number;
  cols: Taps;
  rows: Taps;
}

export function backProjection(shape: Vec3, affine: Affine, size: number, numClasses: number): BackProjection {
  const ras = rasIndexing(shape, affine);
  return { shape, ras, size, numClasses, cols: axisTaps(ras.shape[0], size), rows: axisTaps(ras.shape[1], size) };
}

/**
 * Writes RAS axial slice z: `probs` is the model's softmax [S, S, K] (row-major, classes last). Sets the
 * argmax of the resampled probabilities in `labels` (stored order) and, when given, the resampled
 * probabilities in `out` (stored order, class k at offset k·N: a 4-D NIfTI's frames).
 */
export function backProjectSlice(bp: BackProjection, probs: Float32Array, z: number, labels: Uint8Array, out?: Float32Array): void {
  const { ras, size: S, numClasses: K, cols, rows } = bp;
  const [nx, ny] = ras.shape;
  const N = bp.shape[0] * bp.shape[1] * bp.shape[2];
  const p = new Float32Array(K);
  const base = ras.start + z * ras.stride[2];
  for (let r = 0; r < ny; r++) {
    const ra = rows.i0[r] * S;
    const rb = rows.i1[r] * S;
    const ty = rows.w[r];
    // display row r is RAS j = ny − 1 − r; column c is RAS i = nx − 1 − c
    const rowBase = base + (ny - 1 - r) * ras.stride[1];
    for (let c = 0; c < nx; c++) {
      const ca = cols.i0[c];
      const cb = cols.i1[c];
      const tx = cols.w[c];
      const o00 = (ra + ca) * K;
      const o10 = (ra + cb) * K;
      const o01 = (rb + ca) * K;
      const o11 = (rb + cb) * K;
      let best = 0;
      let bestV = -Infinity;
      for (let k = 0; k < K; k++) {
        const a = probs[o00 + k] + tx * (probs[o10 + k] - probs[o00 + k]);
        const b = probs[o01 + k] + tx * (probs[o11 + k] - probs[o01 + k]);
        const v = a + ty * (b - a);
        p[k] = v;
        if (v > bestV) {
          bestV = v;
          best = k;
        }
      }
      const idx = rowBase + (nx - 1 - c) * ras.stride[0];
      labels[idx] = best;
      if (out) for (let k = 0; k < K; k++) out[idx + k * N] = p[k];
    }
  }
}
