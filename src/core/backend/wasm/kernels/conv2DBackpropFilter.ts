// Conv2DBackpropFilter (missing in stock wasm): im2col built from contiguous slices of the input,
// then one fast (XNNPACK, untransposed) matmul per batch chunk: dW[K,Co] = XcolT[K,M] @ dy[M,Co]
// (XNNPACK repacks its right operand on every call, so that must be the small one).
// Stride > 1 with large kernels (the 7x7 stem): the input is first split into stride phases,
// zero-padded (one strided pass over it), so that every im2col row is a contiguous run instead of a
// strided element loop per tap.
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

export type PhaseSplitMode = 'auto' | 'always' | 'never';
let phaseSplit: PhaseSplitMode = 'auto';

/** Forces the phase split for stride > 1 on/off (A/B benchmarks, tests of both paths); returns the previous. */
export function setBackpropFilterPhaseSplit(mode: PhaseSplitMode): PhaseSplitMode {
  const prev = phaseSplit;
  phaseSplit = mode;
  return prev;
}

/**
 * Whether a geometry takes the phase-split im2col. 'auto': stride > 1 with more than 9 taps. Measured
 * (median of A/B pairs in one process, 2-core Zen 3, batch 32): the 7x7 stride-2 stem 1.32x faster;
 * 3x3 and 1x1 stride-2 layers 0.91-0.99x (their strided loop runs over few taps), so they keep it.
 */
export function usesPhaseSplit(g: ConvGeom): boolean {
  if (g.sh === 1 && g.sw === 1) return false;
  if (phaseSplit !== 'auto') return phaseSplit === 'always';
  return g.kh * g.kw > 9;
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
      const y0 = Math.max(0, -yOff),
        y1 = Math.min(oh, h - yOff);
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

/**
 * Phase-split, zero-padded copy of the channel-first input (used for stride > 1): phase (rh, rw) holds xp[s, Y*sh + rh, X*sw + rw, c] (xp = the input
 * padded by padT/padL) as plane [c][s][Y][X], Y < Hq, X < Wq. Tap (a, b) then reads phase
 * ((a*dh) % sh, (b*dw) % sw) at row/column offset (⌊a*dh/sh⌋, ⌊b*dw/sw⌋).
 */
interface PhaseLayout {
  Hq: number;
  Wq: number;
  /** Phase number for key rh*sw + rw (only phases some tap reads). */
  index: Map<number, number>;
  floats: number;
}

function phaseLayout(g: ConvGeom): PhaseLayout {
  const { n, ci, kh, kw, oh, ow, sh, sw, dh, dw } = g;
  const Hq = oh + Math.floor(((kh - 1) * dh) / sh),
    Wq = ow + Math.floor(((kw - 1) * dw) / sw);
  const index = new Map<number, number>();
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const key = ((a * dh) % sh) * sw + ((b * dw) % sw);
      if (!index.has(key)) index.set(key, index.size);
    }
  }
  return { Hq, Wq, index, floats: index.size * ci * n * Hq * Wq };
}

function fillPhases(heap: Float32Array, xTOff: number, dst: number, g: ConvGeom, L: PhaseLayout): void {
  const { n, h, w, ci, sh, sw, padT, padL } = g;
  const { Hq, Wq } = L;
  heap.fill(0, dst, dst + L.floats);
  for (const [key, p] of L.index) {
    const rh = Math.floor(key / sw),
      rw = key % sw;
    // columns X whose input column X*sw + rw - padL is inside [0, w)
    const X0 = Math.max(0, Math.ceil((padL - rw) / sw));
    const X1 = Math.min(Wq, Math.floor((w - 1 + padL - rw) / sw) + 1);
    if (X1 <= X0) continue;
    const len = X1 - X0,
      ix0 = X0 * sw + rw - padL;
    for (let c = 0; c < ci; c++) {
      for (let s = 0; s < n; s++) {
        const src0 = xTOff + (c * n + s) * h * w + ix0;
        const dst0 = dst + ((p * ci + c) * n + s) * Hq * Wq + X0;
        for (let Y = 0; Y < Hq; Y++) {
          const iy = Y * sh + rh - padT;
          if (iy < 0 || iy >= h) continue;
          const src = src0 + iy * w,
            o = dst0 + Y * Wq;
          if (sw === 1) heap.copyWithin(o, src, src + len);
          else for (let X = 0; X < len; X++) heap[o + X] = heap[src + X * sw];
        }
      }
    }
  }
}

/** Transposed im2col (as {@link im2colT}) from the phase-split input: only contiguous row copies. */
function im2colTPhased(heap: Float32Array, phOff: number, colOff: number, g: ConvGeom, L: PhaseLayout, n0: number, n1: number): void {
  const { n, ci, kh, kw, oh, ow, sh, sw, dh, dw } = g;
  const { Hq, Wq } = L;
  const M = (n1 - n0) * oh * ow;
  const whole = Wq === ow && Hq === oh; // e.g. 1x1 kernels: each (tap, c, sample) plane is one run
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const p = L.index.get(((a * dh) % sh) * sw + ((b * dw) % sw))!;
      const shift = Math.floor((a * dh) / sh) * Wq + Math.floor((b * dw) / sw);
      for (let c = 0; c < ci; c++) {
        let o = colOff + ((a * kw + b) * ci + c) * M;
        for (let s = n0; s < n1; s++) {
          const src = phOff + ((p * ci + c) * n + s) * Hq * Wq + shift;
          if (whole) {
            heap.copyWithin(o, src, src + oh * ow);
            o += oh * ow;
            continue;
          }
          for (let y = 0; y < oh; y++, o += ow) {
            const r = src + y * Wq;
            if (ow >= 16) heap.copyWithin(o, r, r + ow);
            else for (let x = 0; x < ow; x++) heap[o + x] = heap[r + x];
          }
        }
      }
    }
  }
}

export function conv2DBackpropFilterImpl(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeom): TensorInfo {
  const { n, kh, kw, ci, co, oh, ow } = g;
  const K = kh * kw * ci;
  const perSample = oh * ow;
  const chunk = Math.max(1, Math.min(n, Math.floor(MAX_COL / Math.max(1, perSample * K))));
  // Channel-first input: every (channel, sample, row) is contiguous.
  const xT = ci === 1 ? reshape(backend, x, [1, n, g.h, g.w]) : transpose(backend, x, [3, 0, 1, 2]);
  // Stride > 1: phase-split once, then contiguous im2col rows.
  let phases: TensorInfo | null = null;
  const layout = usesPhaseSplit(g) ? phaseLayout(g) : null;
  if (layout) {
    phases = makeF32(backend, [layout.floats]);
    fillPhases(heapF32(backend), off4(backend, xT), off4(backend, phases), g, layout);
    dispose(backend, xT);
  }
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
    if (layout) im2colTPhased(heapF32(backend), off4(backend, phases!), off4(backend, colT), g, layout, n0, n1);
    else im2colT(heapF32(backend), off4(backend, xT), off4(backend, colT), g, n0, n1);
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
  dispose(backend, layout ? phases : xT);
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
