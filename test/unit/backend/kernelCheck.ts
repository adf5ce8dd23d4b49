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
