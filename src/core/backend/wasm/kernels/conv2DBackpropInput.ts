// Conv2DBackpropInput (stock wasm is a naive scalar loop). Stride 1: a forward (XNNPACK) convolution
// of dy with the flipped, transposed filter. Stride s > 1: sub-pixel phase decomposition, s*s small
// stride-1 convolutions whose outputs are interleaved into dx.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, dispose, makeF32, runStock, heapF32, off4 } from './util';
import { ConvGeom, convGeom } from './convInfo';

/** Flipped, transposed sub-filter: out[jh',jw',co,ci] = W[rh+(Jh-1-jh')*s, rw+(Jw-1-jw')*s, ci, co]. */
function flippedSubFilter(
  backend: BackendWasm,
  filter: TensorInfo,
  g: ConvGeom,
  rh: number,
  rw: number,
  s: [number, number],
  J: [number, number],
): TensorInfo {
  const { kw, ci, co } = g;
  const [Jh, Jw] = J;
  const out = makeF32(backend, [Jh, Jw, co, ci]);
  const heap = heapF32(backend);
  const src = off4(backend, filter);
  let o = off4(backend, out);
  for (let a = 0; a < Jh; a++) {
    const khh = rh + (Jh - 1 - a) * s[0];
    for (let b = 0; b < Jw; b++) {
      const kww = rw + (Jw - 1 - b) * s[1];
      const base = src + (khh * kw + kww) * ci * co;
      for (let c = 0; c < co; c++) {
        for (let i = 0; i < ci; i++) heap[o + i] = heap[base + i * co + c];
        o += ci;
      }
    }
  }
  return out;
}

/** Stride-1 conv of dy with explicit (possibly negative = crop) paddings. Returns null if empty. */
function convPadded(
  backend: BackendWasm,
  dy: TensorInfo,
  f: TensorInfo,
  pt: number,
  pb: number,
  pl: number,
  pr: number,
  dil: [number, number],
): TensorInfo | null {
  let x = dy;
  let cropped: TensorInfo | null = null;
  if (pt < 0 || pb < 0 || pl < 0 || pr < 0) {
    const [n, h, w, c] = dy.shape;
    const t = Math.max(0, -pt),
      b = Math.max(0, -pb),
      l = Math.max(0, -pl),
      r = Math.max(0, -pr);
    if (h - t - b <= 0 || w - l - r <= 0) return null;
    cropped = runStock('Slice', backend, { x: dy }, { begin: [0, t, l, 0], size: [n, h - t - b, w - l - r, c] });
    x = cropped;
    pt = Math.max(0, pt);
    pb = Math.max(0, pb);
    pl = Math.max(0, pl);
    pr = Math.max(0, pr);
  }
  const out = runStock(
    'Conv2D',
    backend,
    { x, filter: f },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: dil,
      dimRoundingMode: undefined as unknown as string,
    },
  );
  dispose(backend, cropped);
  return out;
}

/** dx[b, y0 + y*sy, x0 + x*sx, :] = ph[b, y, x, :] (a small function so that it is optimised early). */
function interleave(
  heap: Float32Array,
  src0: number,
  dst0: number,
  Qh: number,
  Qw: number,
  n: number,
  h: number,
  w: number,
  ci: number,
  y0: number,
  sy: number,
  x0: number,
  sx: number,
): void {
  const step = sx * ci;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < Qh; y++) {
      let s = src0 + (b * Qh + y) * Qw * ci;
      let d = dst0 + ((b * h + y0 + y * sy) * w + x0) * ci;
      if (ci >= 16) {
        for (let x = 0; x < Qw; x++, s += ci, d += step) heap.copyWithin(d, s, s + ci);
      } else {
        for (let x = 0; x < Qw; x++, s += ci, d += step) for (let i = 0; i < ci; i++) heap[d + i] = heap[s + i];
      }
    }
  }
}

export function conv2DBackpropInputImpl(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeom): TensorInfo {
  const { n, h, w, ci, kh, kw, oh, ow, sh, sw, dh, dw, padT, padL } = g;
  if (sh === 1 && sw === 1) {
    const f = flippedSubFilter(backend, filter, g, 0, 0, [1, 1], [kh, kw]);
    const pt = (kh - 1) * dh - padT,
      pl = (kw - 1) * dw - padL;
    const pb = h + (kh - 1) * dh - oh - pt,
      pr = w + (kw - 1) * dw - ow - pl;
    const out = convPadded(backend, dy, f, pt, pb, pl, pr, [dh, dw]);
    dispose(backend, f);
    if (out) return out;
    const z = makeF32(backend, [n, h, w, ci]);
    const o = off4(backend, z);
    heapF32(backend).fill(0, o, o + n * h * w * ci);
    return z;
  }
  if (dh !== 1 || dw !== 1) throw new Error('Conv2DBackpropInput: strides and dilations cannot both exceed 1');
  const dx = makeF32(backend, [n, h, w, ci]);
  {
    const o = off4(backend, dx);
    heapF32(backend).fill(0, o, o + n * h * w * ci);
  }
  for (let rh = 0; rh < sh; rh++) {
    const Jh = Math.max(0, Math.ceil((kh - rh) / sh));
    const qh0 = Math.ceil((padT - rh) / sh),
      qh1 = Math.floor((h - 1 + padT - rh) / sh);
    if (Jh === 0 || qh1 < qh0) continue;
    for (let rw = 0; rw < sw; rw++) {
      const Jw = Math.max(0, Math.ceil((kw - rw) / sw));
      const qw0 = Math.ceil((padL - rw) / sw),
        qw1 = Math.floor((w - 1 + padL - rw) / sw);
      if (Jw === 0 || qw1 < qw0) continue;
      const f = flippedSubFilter(backend, filter, g, rh, rw, [sh, sw], [Jh, Jw]);
      const pt = Jh - 1 - qh0,
        pb = qh1 - (oh - 1),
        pl = Jw - 1 - qw0,
        pr = qw1 - (ow - 1);
      const ph = convPadded(backend, dy, f, pt, pb, pl, pr, [1, 1]);
      dispose(backend, f);
      if (!ph) continue;
      // Interleave: dx[n, qh*sh + rh - padT, qw*sw + rw - padL, :] = ph[n, qh-qh0, qw-qw0, :]
      interleave(
        heapF32(backend),
        off4(backend, ph),
        off4(backend, dx),
        ph.shape[1],
        ph.shape[2],
        n,
        h,
        w,
        ci,
        qh0 * sh + rh - padT,
        sh,
        qw0 * sw + rw - padL,
        sw,
      );
      dispose(backend, ph);
    }
  }
  return dx;
}

export const conv2DBackpropInput: KernelFn = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs ?? {};
  const inputShape = a.inputShape as number[];
  const g = convGeom(inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, a.dataFormat);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv2DBackpropInput: float32 only');
  return conv2DBackpropInputImpl(backend, dy, filter, g);
};
