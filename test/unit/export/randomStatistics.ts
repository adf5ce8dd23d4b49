import * as tf from '@tensorflow/tfjs';
import type { Module } from '../../../src/core/models/module';
import type { Rng } from '../../../src/core/util/rng';

/**
 * Non-trivial running statistics, affines and biases everywhere in a module (a fresh one has identity
 * statistics and zero biases, which would hide a misplaced mean, variance or bias).
 */
export function randomiseStatistics(m: Module, rng: Rng): void {
  for (const v of m.namedVariables()) {
    const n = v.variable.size;
    const field = v.name.slice(v.name.lastIndexOf('.') + 1);
    let values: Float32Array | null = null;
    if (field === 'gamma' || field === 'running_var') values = rng.uniformArray(n, 0.5, 1.5);
    else if (field === 'beta' || field === 'running_mean' || field === 'bias') values = rng.normalArray(n, 0, 0.1);
    else if (field === 'running_wm') {
      const [G, c] = v.variable.shape;
      values = new Float32Array(n);
      for (let g = 0; g < G; g++)
        for (let i = 0; i < c; i++)
          for (let j = 0; j <= i; j++) {
            const x = (i === j ? 1 : 0) + rng.normal(0, 0.05);
            values[(g * c + i) * c + j] = x;
            values[(g * c + j) * c + i] = x;
          }
    }
    if (values) v.variable.assign(tf.tensor(values, v.variable.shape));
  }
}
