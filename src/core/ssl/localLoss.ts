/**
 * Local feature learning loss (METHOD.md, Remedy 1, our repaired version of the authors' intent).
 *
 * For the images whose two views overlap enough, the G×G corresponding regions are pooled from the
 * chosen stage's feature map of each view (RoI-align weights from regions.ts; one matmul, so the
 * gradient reaches the query encoder), passed through the local projector and L2-normalised. Key side:
 * momentum encoder + momentum local projector, no gradient. Each query region i is classified against
 * [its key region i, the other key regions of the same image] (optionally also the regions of every
 * other image in the batch): cross-entropy with the positive on the diagonal of Q·Kᵀ/T.
 */
import * as tf from '@tensorflow/tfjs';
import type { ViewGeometry } from '../data/augment';
import { diagonalCrossEntropy } from './infoNCE';
import { regionPair } from './regions';

export interface LocalPlan {
  /** Indices (into the batch) of the images that take part. */
  valid: number[];
  /** Images skipped because their views overlap too little. */
  skipped: number;
  /** Pooling weights [V, R, Hf·Wf] for the query view and the key view (null when V = 0). */
  weightsQ: tf.Tensor3D | null;
  weightsK: tf.Tensor3D | null;
  regions: number;
}

/** Builds the region pooling weights of a batch of view pairs (query view, key view). */
export function planLocal(pairs: Array<[ViewGeometry, ViewGeometry]>, Hf: number, Wf: number, grid: number, minOverlap: number): LocalPlan {
  const R = grid * grid;
  const valid: number[] = [];
  const wq: Float32Array[] = [];
  const wk: Float32Array[] = [];
  pairs.forEach(([gq, gk], i) => {
    const p = regionPair(gq, gk, Hf, Wf, { grid, minOverlap });
    if (p.weights) {
      valid.push(i);
      wq.push(p.weights.a);
      wk.push(p.weights.b);
    }
  });
  const stack = (ws: Float32Array[]): tf.Tensor3D => {
    const all = new Float32Array(ws.length * R * Hf * Wf);
    ws.forEach((w, i) => all.set(w, i * R * Hf * Wf));
    return tf.tensor3d(all, [ws.length, R, Hf * Wf]);
  };
  return {
    valid,
    skipped: pairs.length - valid.length,
    weightsQ: valid.length ? stack(wq) : null,
    weightsK: valid.length ? stack(wk) : null,
    regions: R,
  };
}

export function disposePlan(p: LocalPlan): void {
  p.weightsQ?.dispose();
  p.weightsK?.dispose();
}

/**
 * Pools the regions of the valid images: feature [N, Hf, Wf, C], weights [V, R, Hf·Wf] → [V·R, C].
 */
export function poolRegions(feature: tf.Tensor4D, valid: number[], weights: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [, Hf, Wf, C] = feature.shape;
    const [V, R] = weights.shape;
    const sel = valid.length === feature.shape[0] ? feature : tf.gather(feature, tf.tensor1d(valid, 'int32'));
    const f = tf.reshape(sel, [V, Hf * Wf, C]) as tf.Tensor3D;
    return tf.reshape(tf.matMul(weights, f), [V * R, C]) as tf.Tensor2D;
  });
}

/** Additive mask [V·R, V·R]: 0 inside an image's block (or everywhere with cross-image negatives), −1e9 elsewhere. */
export function localMask(V: number, R: number, crossImage: boolean): tf.Tensor2D | undefined {
  if (crossImage || V <= 1) return undefined;
  const M = V * R;
  const m = new Float32Array(M * M).fill(-1e9);
  for (let v = 0; v < V; v++) for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) m[(v * R + i) * M + v * R + j] = 0;
  return tf.tensor2d(m, [M, M]);
}

/**
 * Local InfoNCE. `ql` [V·R, D] query descriptors (gradient), `klT` [D, V·R] key descriptors transposed
 * (constants). Returns the mean over every region of every valid image.
 */
export function localInfoNce(ql: tf.Tensor2D, klT: tf.Tensor2D, V: number, R: number, temperature: number, crossImage: boolean): tf.Scalar {
  return tf.tidy(() => {
    const logits = tf.div(tf.matMul(ql, klT), temperature) as tf.Tensor2D;
    const mask = localMask(V, R, crossImage);
    return diagonalCrossEntropy(logits, mask);
  });
}
