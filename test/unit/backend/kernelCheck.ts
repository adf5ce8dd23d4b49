// What the kernel test suites (wasm kernels, native oneDNN kernels) share: re-seedable inputs, the
// relative error against a reference backend, and a table of every comparison for the report.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Deterministic numbers in [-1, 1) (mulberry32); set `seed` again to give two backends the same inputs. */
export class Mulberry {
  constructor(public seed: number) {}
  next(): number {
    this.seed |= 0;
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  floats(n: number): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.next() * 2 - 1;
    return a;
  }
}

/** Largest absolute difference over the reference's largest magnitude. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    r = Math.max(r, Math.abs(b[i]));
  }
  return m / Math.max(r, 1e-12);
}

/** Runs `f` on a backend and returns its outputs as arrays (the tensors are disposed). */
export async function on(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(f).map((t) => {
    const d = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    return d;
  });
}

export interface CheckRow {
  shape: string;
  kernel: string;
  err: number;
}

/** Compares each output with its reference, records the error in `rows`, and fails above `tol`. */
export function checkAll(rows: CheckRow[], tol: number, shape: string, kernels: string[], got: Float32Array[], ref: Float32Array[]): void {
  kernels.forEach((k, i) => {
    const err = relErr(got[i], ref[i]);
    rows.push({ shape, kernel: k, err });
    assert.ok(err < tol, `${k} ${shape}: relative error ${err}`);
  });
}

/** BatchMatMul shapes both kernel suites check: [shape a, shape b, transpose a, transpose b]. */
export const MATMUL_CASES: [number[], number[], boolean, boolean][] = [
  [[7, 5], [5, 9], false, false],
  [[5, 7], [5, 9], true, false],
  [[7, 5], [9, 5], false, true],
  [[5, 7], [9, 5], true, true],
  [[3, 6, 4], [3, 4, 5], false, false],
  [[2, 4, 6], [2, 5, 4], true, true],
  [[33, 17], [33, 64], true, false],
  [[1, 600], [600, 40], false, false],
  [[600, 2], [600, 40], true, false],
];

/**
 * One matMul case: its output and both input gradients of sum(matMul · r), r drawn from `rnd` inside
 * (reset the generator's seed before each backend so both draw the same r).
 */
export function matMulWithGrads(
  [sa, sb, ta, tb]: [number[], number[], boolean, boolean],
  rnd: (n: number) => Float32Array,
): { label: string; f: () => tf.Tensor[] } {
  const aa = rnd(sa.reduce((p, q) => p * q, 1)),
    ba = rnd(sb.reduce((p, q) => p * q, 1));
  const f = (): tf.Tensor[] => {
    const a = tf.tensor(aa, sa),
      b = tf.tensor(ba, sb);
    const y = tf.matMul(a, b, ta, tb);
    const r = tf.tensor(rnd(y.size), y.shape);
    const loss = (p: tf.Tensor, q: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), r));
    return [y, ...tf.grads(loss)([a, b])];
  };
  return { label: `[${sa}]${ta ? 'T' : ''}x[${sb}]${tb ? 'T' : ''}`, f };
}
