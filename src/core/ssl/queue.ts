/**
 * MoCo's dictionary: a ring buffer of K keys of dimension D, stored [D, K] (negatives are q·queue
 * without a transpose), initialised with random unit vectors from the run's generator, with a pointer.
 * K must be a multiple of the batch size (METHOD.md); `enqueue` still wraps correctly for any batch.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

export class KeyQueue {
  readonly size: number;
  readonly dim: number;
  /** [D, K], non-trainable. */
  readonly keys: tf.Variable;
  ptr = 0;

  constructor(size: number, dim: number, rng: Rng, batchSize?: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ssl.queueSize: ${size} is not a positive integer`);
    if (batchSize !== undefined && size % batchSize !== 0) {
      throw new Error(
        `ssl.queueSize: ${size} is not a multiple of the batch size ${batchSize} (MoCo enqueues whole batches); use e.g. ${Math.max(1, Math.round(size / batchSize)) * batchSize}`,
      );
    }
    this.size = size;
    this.dim = dim;
    // Random unit columns (a normal vector normalised is uniform on the sphere).
    const v = rng.normalArray(dim * size);
    for (let c = 0; c < size; c++) {
      let s = 0;
      for (let r = 0; r < dim; r++) s += v[r * size + c] ** 2;
      const inv = 1 / Math.sqrt(s || 1);
      for (let r = 0; r < dim; r++) v[r * size + c] *= inv;
    }
    const init = tf.tensor2d(v, [dim, size]);
    this.keys = tf.variable(init, false);
    init.dispose(); // the variable holds its own reference to the data
  }

  /** Writes keys [N, D] at the pointer (wrapping around the end) and advances the pointer. */
  enqueue(k: tf.Tensor2D): void {
    const [n, d] = k.shape;
    if (d !== this.dim) throw new Error(`KeyQueue.enqueue: keys have dimension ${d}, the queue ${this.dim}`);
    if (n > this.size) throw new Error(`KeyQueue.enqueue: ${n} keys exceed the queue size ${this.size}`);
    const K = this.size;
    const p = this.ptr;
    const q = this.keys as tf.Tensor as tf.Tensor2D;
    tf.tidy(() => {
      const kt = tf.transpose(k) as tf.Tensor2D; // [D, N]
      let next: tf.Tensor2D;
      if (p + n <= K) {
        const parts: tf.Tensor2D[] = [];
        if (p > 0) parts.push(tf.slice(q, [0, 0], [d, p]));
        parts.push(kt);
        if (p + n < K) parts.push(tf.slice(q, [0, p + n], [d, K - p - n]));
        next = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      } else {
        const tail = K - p; // keys [0, tail) go to the end, the rest to the start
        const wrap = n - tail;
        const parts: tf.Tensor2D[] = [tf.slice(kt, [0, tail], [d, wrap])];
        if (p - wrap > 0) parts.push(tf.slice(q, [0, wrap], [d, p - wrap]));
        parts.push(tf.slice(kt, [0, 0], [d, tail]));
        next = tf.concat(parts, 1);
      }
      this.keys.assign(next);
    });
    this.ptr = (p + n) % K;
  }

  dispose(): void {
    this.keys.dispose();
  }
}
