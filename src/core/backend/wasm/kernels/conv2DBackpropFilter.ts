// Conv2DBackpropFilter (missing in stock wasm): im2col built from contiguous slices of the input,
// then one fast (XNNPACK, untransposed) matmul per batch chunk: dW[K,Co] = XcolT[K,M] @ dy[M,Co]
// (XNNPACK repacks its right operand on every call, so that must be the small one).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, dispose, makeF32, reshape, runStock, transpose, heapF32, off4 } from './util';
import { ConvGeom, convGeom } from './convInfo';

/** Largest transposed-im2col buffer (floats) built at once; the batch is split into chunks beyond it. */
let MAX_COL = 24 * 1024 * 1024;

/** Sets the chunk limit (floats; for tests of the chunked path). Returns the previous one. */
export function setBackpropFilterChunkLimit(floats: number): number {
  const prev = MAX_COL;
  MAX_COL = Math.max(1, Math.floor(floats));
  return prev;
}

/**
 * Transposed im2col from the channel-first input xT [Ci, N, H, W]:
 * colT[(kh,kw,ci), (n,oh,ow)] for samples n0..n1-1 (heap offsets in floats). With stride 1 every
 * (row, n, oh) is one contiguous run of the input row (memmove); otherwise an element loop.
 */
function im2colT(heap: Float32Array, xTOff: number, colOff: number, g: ConvGeom, n0: number, n1: number): void {
  const { n, h, w, ci, kh, kw, oh, ow, sh, sw, dh, dw, padT, padL } = g;
  const nc = n1 - n0;
  const M = nc * oh * ow;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      // output columns ox whose input column ix = ox*sw + b*dw - padL is inside [0, w)
      const xOff = b * dw - padL;
      const ox0 = Math.max(0, Math.ceil(-xOff / sw));
      const ox1 = Math.min(ow, Math.floor((w - 1 - xOff) / sw) + 1); // exclusive
      // Stride 1 with output width = input width ('same'): the whole (a, b, c, s) block is one
      // shifted contiguous run of the plane; the few wrapped-around edge columns are zeroed after.
      const block = sh === 1 && sw === 1 && w === ow;
      const yOff = a * dh - padT;
      const y0 = Math.max(0, -yOff), y1 = Math.min(oh, h - yOff);
      for (let c = 0; c < ci; c++) {
        const rowBase = colOff + ((a * kw + b) * ci + c) * M;
        for (let s = 0; s < nc; s++) {
          const plane = xTOff + (c * n + n0 + s) * h * w;
          if (block) {
            const o0 = rowBase + s * oh * ow;
            if (y1 <= y0 || ox1 <= ox0) {
              heap.fill(0, o0, o0 + oh * ow);
              continue;
            }
            if (y0 > 0) heap.fill(0, o0, o0 + y0 * ow);
            if (y1 < oh) heap.fill(0, o0 + y1 * ow, o0 + oh * ow);
            const src = plane + (y0 + yOff) * w + xOff;
            heap.copyWithin(o0 + y0 * ow, src, src + (y1 - y0) * ow);
            if (ox0 > 0 || ox1 < ow) {
              for (let y = y0; y < y1; y++) {
                const o = o0 + y * ow;
                for (let x = 0; x < ox0; x++) heap[o + x] = 0;
                for (let x = ox1; x < ow; x++) heap[o + x] = 0;
              }
            }
            continue;
          }
          for (let y = 0; y < oh; y++) {
            const o = rowBase + (s * oh + y) * ow;
            const iy = y * sh + a * dh - padT;
            if (iy < 0 || iy >= h || ox1 <= ox0) {
              heap.fill(0, o, o + ow);
              continue;
            }
            for (let x = 0; x < ox0; x++) heap[o + x] = 0;
            for (let x = ox1; x < ow; x++) heap[o + x] = 0;
            const src = plane + iy * w + ox0 * sw + xOff;
            const len = ox1 - ox0;
            if (sw === 1) {
              if (len >= 16) heap.copyWithin(o + ox0, src, src + len);
              else for (let x = 0; x < len; x++) heap[o + ox0 + x] = heap[src + x];
            } else {
              for (let x = 0; x < len; x++) heap[o + ox0 + x] = heap[src + x * sw];
            }
          }
        }
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
  // Channel-first input: every (channel, sample, row) is contiguous.
  const xT = ci === 1 ? reshape(backend, x, [1, n, g.h, g.w]) : transpose(backend, x, [3, 0, 1, 2]);
  let acc: TensorInfo | null = null; // [K, Co]
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const n1 = Math.min(n, n0 + chunk);
    const m = (n1 - n0) * perSample;
    const colT = makeF32(backend, [K, m]);
    // dy rows of this chunk, as [m, Co] (a copy only when chunked).
    let dyChunk: TensorInfo;
    if (n0 === 0 && n1 === n) dyChunk = reshape(backend, dy, [m, co]);
    else {
      dyChunk = makeF32(backend, [m, co]);
      const src = off4(backend, dy) + n0 * perSample * co;
      heapF32(backend).copyWithin(off4(backend, dyChunk), src, src + m * co);
    }
    im2colT(heapF32(backend), off4(backend, xT), off4(backend, colT), g, n0, n1);
    // dW[K, Co] = colT[K, m] @ dy[m, Co]: the packed right operand is the small dy.
    const part = runStock('BatchMatMul', backend, { a: colT, b: dyChunk }, { transposeA: false, transposeB: false }); // [1, K, Co]
    dispose(backend, dyChunk, colT);
    if (acc == null) acc = part;
    else {
      const sum = runStock('Add', backend, { a: acc, b: part });
      dispose(backend, acc, part);
      acc = sum;
    }
  }
  dispose(backend, xT);
  const out = reshape(backend, acc!, [kh, kw, ci, co]);
  dispose(backend, acc);
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
