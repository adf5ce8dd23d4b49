/**
 * Sum of many tensors without ever giving one AddN kernel more inputs than the device binds. On
 * WebGPU each input is a storage buffer, and past the device's per-stage limit (8 by default, the
 * adapter's own when requested: 16 on most) the kernel's submission is rejected: no exception, wrong
 * values. The engine sums lists through this instead of tf.addN.
 */
import * as tf from '@tensorflow/tfjs';
import { maxAddNInputs } from './webgpu/start';

/** Σ tensors (same shape), in chunks of at most `limit` inputs (default: what the active backend allows). */
export function addMany<T extends tf.Tensor>(tensors: T[], limit = maxAddNInputs()): T {
  if (tensors.length === 0) throw new Error('addMany: no tensors to add');
  if (!(limit >= 2)) throw new Error(`addMany: a chunk of ${limit} inputs cannot add anything`);
  if (tensors.length === 1) return tf.clone(tensors[0]);
  return tf.tidy(() => {
    let level: tf.Tensor[] = tensors;
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += limit) {
        const chunk = level.slice(i, i + limit);
        next.push(chunk.length === 1 ? chunk[0] : tf.addN(chunk));
      }
      level = next;
    }
    return level[0] as T;
  });
}
