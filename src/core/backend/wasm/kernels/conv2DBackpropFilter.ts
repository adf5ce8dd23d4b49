// Conv2DBackpropFilter (missing in stock wasm): im2col built from contiguous slices of the input,
// then one fast (XNNPACK, untransposed) matmul per batch chunk: dW^T[Co,K] = dy^T[Co,M] @ Xcol[M,K].
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, dispose, makeF32, reshape, runStock, transpose, heapF32, off4 } from './util';
import { ConvGeom, convGeom } from './convInfo';

/** Largest im2col buffer (floats) built at once; the batch is split into chunks beyond it. */
const MAX_COL = 24 * 1024 * 1024;

/** Fills col[(m - m0)*K + ...] for the samples n0..n1-1 (heap offsets in floats). */
function im2col(heap: Float32Array, xOff: number, colOff: number, g: ConvGeom, n0: number, n1: number): void {
  const { h, w, ci, kh, kw, oh, ow, sh, sw, dh, dw, padT, padL } = g;
  const K = kh * kw * ci;
  const rowLen = kw * ci;
  let r = colOff;
  for (let n = n0; n < n1; n++) {
    const xn = xOff + n * h * w * ci;
    for (let y = 0; y < oh; y++) {
      const iy0 = y * sh - padT;
      for (let x = 0; x < ow; x++) {
        const ix0 = x * sw - padL;
        const fullW = ix0 >= 0 && ix0 + (kw - 1) * dw < w;
        let o = r;
        for (let a = 0; a < kh; a++) {
          const iy = iy0 + a * dh;
          if (iy < 0 || iy >= h) {
            heap.fill(0, o, o + rowLen);
            o += rowLen;
            continue;
          }
          const rowBase = xn + iy * w * ci;
          if (fullW && dw === 1) {
            const src = rowBase + ix0 * ci;
            if (rowLen >= 64) heap.copyWithin(o, src, src + rowLen);
            else for (let i = 0; i < rowLen; i++) heap[o + i] = heap[src + i];
            o += rowLen;
            continue;
          }
          for (let b = 0; b < kw; b++) {
            const ix = ix0 + b * dw;
            if (ix < 0 || ix >= w) {
              for (let i = 0; i < ci; i++) heap[o + i] = 0;
            } else {
              const src = rowBase + ix * ci;
              if (ci >= 64) heap.copyWithin(o, src, src + ci);
              else for (let i = 0; i < ci; i++) heap[o + i] = heap[src + i];
            }
            o += ci;
          }
        }
        r += K;
      }
    }
  }
}

export function conv2DBackpropFilterImpl(
  backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeom,
): TensorInfo {
  const { n, kh, kw, ci, co, oh, ow } = g;
  const K = kh * kw * ci;
  const perSample = oh * ow;
  const chunk = Math.max(1, Math.min(n, Math.floor(MAX_COL / Math.max(1, perSample * K))));
  let acc: TensorInfo | null = null; // [Co, K]
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const n1 = Math.min(n, n0 + chunk);
    const m = (n1 - n0) * perSample;
    const col = makeF32(backend, [m, K]);
    // dy rows of this chunk, as [m, Co] (a copy only when chunked).
    let dyChunk: TensorInfo;
    if (n0 === 0 && n1 === n) dyChunk = reshape(backend, dy, [m, co]);
    else {
      dyChunk = makeF32(backend, [m, co]);
      const src = off4(backend, dy) + n0 * perSample * co;
      heapF32(backend).copyWithin(off4(backend, dyChunk), src, src + m * co);
    }
    im2col(heapF32(backend), off4(backend, x), off4(backend, col), g, n0, n1);
    const dyT = transpose(backend, dyChunk, [1, 0]); // [Co, m]
    dispose(backend, dyChunk);
    const part = runStock('BatchMatMul', backend, { a: dyT, b: col }, { transposeA: false, transposeB: false }); // [1, Co, K]
    dispose(backend, dyT, col);
    if (acc == null) acc = part;
    else {
      const sum = runStock('Add', backend, { a: acc, b: part });
      dispose(backend, acc, part);
      acc = sum;
    }
  }
  const acc2 = reshape(backend, acc!, [co, K]);
  dispose(backend, acc);
  const t = transpose(backend, acc2, [1, 0]); // [K, Co]
  dispose(backend, acc2);
  const out = reshape(backend, t, [kh, kw, ci, co]);
  dispose(backend, t);
  return out;
}

export const conv2DBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs ?? {};
  const filterShape = a.filterShape as number[];
  const g = convGeom(x.shape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, a.dataFormat);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter: float32 only');
  return conv2DBackpropFilterImpl(backend, x, dy, g);
};
