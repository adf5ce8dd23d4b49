// BatchMatMul: the stock XNNPACK path is fast only without transposes and with batch 1. Transpose
// explicitly, fold a shared right operand into the rows, else run one fast matmul per batch entry.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, dispose, makeF32, reshape, runStock, transpose, size, heapF32, off4 } from './util';

function swapLast(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transpose(backend, t, perm);
}

function copyRange(backend: BackendWasm, src: TensorInfo, start: number, len: number, shape: number[]): TensorInfo {
  const out = makeF32(backend, shape);
  const s = off4(backend, src) + start;
  heapF32(backend).copyWithin(off4(backend, out), s, s + len);
  return out;
}

export const batchMatMul: KernelFn = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const transposeA = Boolean(attrs?.transposeA),
    transposeB = Boolean(attrs?.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runStock('BatchMatMul', backend, { a, b }, { transposeA, transposeB });
  }
  const A = transposeA ? swapLast(backend, a) : a;
  const B = transposeB ? swapLast(backend, b) : b;
  const ra = A.shape.length,
    rb = B.shape.length;
  const M = A.shape[ra - 2],
    K = A.shape[ra - 1],
    N = B.shape[rb - 1];
  if (B.shape[rb - 2] !== K) {
    dispose(backend, A !== a ? A : null, B !== b ? B : null);
    throw new Error(
      `Error in matMul: inner shapes (${K}) and (${B.shape[rb - 2]}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outerA = A.shape.slice(0, -2),
    outerB = B.shape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const outShape = [...outer, M, N];
  const batchA = size(outerA),
    batchB = size(outerB),
    batch = size(outer);
  let out: TensorInfo;
  if (batchA <= 1 && batchB <= 1 && M <= 2 && K * N >= 16384) {
    // A few rows times a large fresh matrix (e.g. channel sums as ones[1,M] @ x[M,C]): XNNPACK
    // would repack the large right operand on every call; a direct loop is several times faster.
    out = makeF32(backend, outShape);
    const heap = heapF32(backend);
    const ao = off4(backend, A),
      bo = off4(backend, B),
      oo = off4(backend, out);
    const acc = new Float64Array(N);
    for (let r = 0; r < M; r++) {
      acc.fill(0);
      const ar = ao + r * K;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const a0 = heap[ar + k],
          a1 = heap[ar + k + 1],
          a2 = heap[ar + k + 2],
          a3 = heap[ar + k + 3];
        const b0 = bo + k * N,
          b1 = b0 + N,
          b2 = b1 + N,
          b3 = b2 + N;
        for (let j = 0; j < N; j++) acc[j] += a0 * heap[b0 + j] + a1 * heap[b1 + j] + a2 * heap[b2 + j] + a3 * heap[b3 + j];
      }
      for (; k < K; k++) {
        const av = heap[ar + k];
        const base = bo + k * N;
        for (let j = 0; j < N; j++) acc[j] += av * heap[base + j];
      }
      for (let j = 0; j < N; j++) heap[oo + r * N + j] = acc[j];
    }
  } else if (batchA <= 1 && batchB <= 1) {
    const r = runStock('BatchMatMul', backend, { a: A, b: B }, { transposeA: false, transposeB: false });
    out = reshape(backend, r, outShape);
    dispose(backend, r);
  } else if (batchB === 1) {
    const a2 = reshape(backend, A, [1, batchA * M, K]);
    const b2 = reshape(backend, B, [1, K, N]);
    const r = runStock('BatchMatMul', backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
    out = reshape(backend, r, outShape);
    dispose(backend, a2, b2, r);
  } else if (batchA === batchB || batchA === 1) {
    out = makeF32(backend, outShape);
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? reshape(backend, A, [1, M, K]) : copyRange(backend, A, i * M * K, M * K, [1, M, K]);
      const bi = copyRange(backend, B, i * K * N, K * N, [1, K, N]);
      const r = runStock('BatchMatMul', backend, { a: ai, b: bi }, { transposeA: false, transposeB: false });
      const o = off4(backend, r);
      heapF32(backend).copyWithin(off4(backend, out) + i * M * N, o, o + M * N);
      dispose(backend, ai, bi, r);
    }
  } else {
    out = runStock('BatchMatMul', backend, { a: A, b: B }, { transposeA: false, transposeB: false });
  }
  dispose(backend, A !== a ? A : null, B !== b ? B : null);
  return out;
};
