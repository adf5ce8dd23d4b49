/**
 * MoCo v2 projector (METHOD.md): global average pool → Linear(d, d) → ReLU → Linear(d, 128), no BatchNorm;
 * and the L2-normalisation helper for embeddings.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { Linear } from './layers';
import { Module, ParamScope, ParamStore } from './module';

export interface ProjectorConfig {
  /** Input feature dimension d (the encoder's featureDim). */
  inDim: number;
  /** Hidden width. Default inDim. */
  hiddenDim?: number;
  /** Embedding dimension. Default 128. */
  outDim?: number;
  /** Seed when the projector makes its own store. Default 0. */
  seed?: number;
}

export class Projector extends Module {
  readonly inDim: number;
  readonly hiddenDim: number;
  readonly outDim: number;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(config: ProjectorConfig, scope?: ParamScope) {
    const sc = scope ?? new ParamStore(new Rng(config.seed ?? 0)).scope('');
    super(sc);
    if (!Number.isInteger(config.inDim) || config.inDim < 1) throw new Error(`projector.inDim: ${config.inDim} is not a positive integer`);
    this.inDim = config.inDim;
    this.hiddenDim = config.hiddenDim ?? config.inDim;
    this.outDim = config.outDim ?? 128;
    this.fc1 = new Linear(sc.scope('fc1'), this.inDim, this.hiddenDim);
    this.fc2 = new Linear(sc.scope('fc2'), this.hiddenDim, this.outDim);
  }

  /**
   * @param features a feature map [N, H, W, d] (pooled here) or pooled features [N, d]
   * @returns the (unnormalised) embedding [N, outDim]; see {@link l2Normalize}
   */
  forward(features: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const d = features.shape[features.shape.length - 1];
      if (d !== this.inDim) throw new Error(`Projector: input has ${d} features, expected ${this.inDim}`);
      let v: tf.Tensor2D;
      if (features.rank === 4) v = tf.mean(features, [1, 2]) as tf.Tensor2D;
      else if (features.rank === 2) v = features as tf.Tensor2D;
      else throw new Error(`Projector: expected a [N, H, W, d] map or [N, d] vectors, got rank ${features.rank}`);
      return this.fc2.apply(tf.relu(this.fc1.apply(v)));
    });
  }
}

/** x / max(‖x‖₂, eps) along `axis` (default last). */
export function l2Normalize<T extends tf.Tensor>(x: T, axis = -1, eps = 1e-12): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), axis, true));
    return tf.div(x, tf.maximum(norm, eps)) as T;
  });
}
