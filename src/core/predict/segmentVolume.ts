/**
 * Segments one volume with a slice model: its axial slices are prepared exactly as the training and the
 * evaluation prepared them (resample.ts `prepareVolumeSlices`: RAS indexing, intensity preset, bilinear
 * resize to the model's slice size), fed in batches, and the softmax of each batch is projected back
 * onto the volume's own grid (backProject.ts) before the next batch is prepared, so memory is the
 * output volume plus one batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { IntensityPreset } from '../data/preprocess';
import { prepareVolumeSlices } from '../data/resample';
import type { Volume } from '../data/volume';
import { backProjection, backProjectSlice } from './backProject';

/** What predict needs of a model: its slice size, its classes, and logits [N, S, S, K] of slices [N, S, S, 1]. */
export interface SliceModel {
  sliceSize: number;
  numClasses: number;
  logits(x: tf.Tensor4D): tf.Tensor4D;
}

export interface SegmentedVolume {
  /** Class per voxel, stored voxel order of the input. */
  labels: Uint8Array;
  /** Class probabilities per voxel (frame k = class k), when asked for. */
  probabilities?: Float32Array;
  /** Per RAS axial slice z: the argmax of the logits at the model's slice size (as the evaluation computes it). */
  modelGrid: Uint8Array[];
  slices: number;
}

export async function segmentVolume(
  model: SliceModel,
  vol: Volume,
  intensity: IntensityPreset,
  o: { batch: number; probabilities: boolean; onBatch?: (done: number, total: number) => void },
): Promise<SegmentedVolume> {
  const S = model.sliceSize;
  const K = model.numClasses;
  if (K > 256) throw new Error(`${K} classes do not fit a uint8 label map`);
  const bp = backProjection(vol.shape, vol.affine, S, K);
  const depth = bp.ras.shape[2];
  const N = vol.shape[0] * vol.shape[1] * vol.shape[2];
  const labels = new Uint8Array(N);
  const probabilities = o.probabilities ? new Float32Array(N * K) : undefined;
  const modelGrid: Uint8Array[] = [];
  const batch = Math.max(1, o.batch);
  for (let z0 = 0; z0 < depth; z0 += batch) {
    const zs = Array.from({ length: Math.min(batch, depth - z0) }, (_, i) => z0 + i);
    const slices = prepareVolumeSlices(vol, intensity, [S, S], zs);
    const x = new Float32Array(zs.length * S * S);
    slices.forEach((s, i) => x.set(s.data, i * S * S));
    const [probT, argT] = tf.tidy(() => {
      const logits = model.logits(tf.tensor4d(x, [zs.length, S, S, 1]));
      return [tf.softmax(logits), tf.argMax(logits, 3)];
    });
    let probs: Float32Array;
    let arg: Int32Array;
    try {
      probs = (await probT.data()) as Float32Array;
      arg = (await argT.data()) as Int32Array;
    } finally {
      probT.dispose();
      argT.dispose();
    }
    zs.forEach((z, i) => {
      backProjectSlice(bp, probs.subarray(i * S * S * K, (i + 1) * S * S * K), z, labels, probabilities);
      modelGrid[z] = Uint8Array.from(arg.subarray(i * S * S, (i + 1) * S * S));
    });
    o.onBatch?.(z0 + zs.length, depth);
  }
  return { labels, probabilities, modelGrid, slices: depth };
}
