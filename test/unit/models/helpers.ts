import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/util/rng';

let ready: Promise<void> | null = null;

/** Every models test runs on the pure-JS cpu backend. */
export function useCpu(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      await tf.setBackend('cpu');
      await tf.ready();
    })();
  }
  return ready;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** ‖a − b‖ / ‖b‖. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Random tensor from the seeded generator. */
export function randn(rng: Rng, shape: number[], mean = 0, std = 1): tf.Tensor {
  return tf.tensor(
    rng.normalArray(
      shape.reduce((a, c) => a * c, 1),
      mean,
      std,
    ),
    shape,
  );
}

/**
 * Correlated samples [m, C] = Z·L with a mixing L whose singular values span 1..√cond
 * (covariance condition number ≈ cond).
 */
export function correlated(rng: Rng, m: number, C: number, cond: number): Float32Array {
  // L = Q1 · diag(s) · Q2 with random orthogonal-ish Q from Gram-Schmidt.
  const q = (): number[][] => {
    const v: number[][] = [];
    for (let i = 0; i < C; i++) {
      const r = Array.from({ length: C }, () => rng.normal());
      for (const u of v) {
        const d = r.reduce((s, x, k) => s + x * u[k], 0);
        for (let k = 0; k < C; k++) r[k] -= d * u[k];
      }
      const n = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
      v.push(r.map((x) => x / n));
    }
    return v;
  };
  const Q1 = q();
  const Q2 = q();
  const s = Array.from({ length: C }, (_, i) => Math.pow(cond, -0.5 * (i / Math.max(C - 1, 1))));
  const L: number[][] = Array.from({ length: C }, (_, a) =>
    Array.from({ length: C }, (_, b) => {
      let t = 0;
      for (let k = 0; k < C; k++) t += Q1[a][k] * s[k] * Q2[k][b];
      return t;
    }),
  );
  const out = new Float32Array(m * C);
  const z = new Float64Array(C);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < C; k++) z[k] = rng.normal();
    for (let b = 0; b < C; b++) {
      let t = 0.5 * b; // non-zero means
      for (let a = 0; a < C; a++) t += z[a] * L[a][b];
      out[i * C + b] = t;
    }
  }
  return out;
}
