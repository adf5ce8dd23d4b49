// DepthwiseConv2dNativeBackpropFilter and ...BackpropInput (both missing in stock wasm): direct
// loops over the output positions (not needed by ResNet/U-Net; correct, not tuned).
import { KernelFn, TensorInfo, makeF32, heapF32, off4 } from './util';
import { convGeom } from './convInfo';

export const depthwiseBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs ?? {};
  const fs = a.filterShape as number[];
  const g = convGeom(x.shape, fs, a.strides, a.dilations, a.pad, a.dimRoundingMode, 'NHWC', true);
  const { n, h, w, ci, kh, kw, oh, ow, sh, sw, dh, dw, padT, padL } = g;
  const mult = fs[3];
  const co = ci * mult;
  const acc = new Float64Array(kh * kw * co);
  const heap = heapF32(backend);
  const xo = off4(backend, x),
    yo = off4(backend, dy);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const dyBase = yo + ((b * oh + y) * ow + xx) * co;
        for (let p = 0; p < kh; p++) {
          const iy = y * sh - padT + p * dh;
          if (iy < 0 || iy >= h) continue;
          for (let q = 0; q < kw; q++) {
            const ix = xx * sw - padL + q * dw;
            if (ix < 0 || ix >= w) continue;
            const xBase = xo + ((b * h + iy) * w + ix) * ci;
            const aBase = (p * kw + q) * co;
            for (let c = 0; c < ci; c++) {
              const xv = heap[xBase + c];
              for (let m = 0; m < mult; m++) acc[aBase + c * mult + m] += xv * heap[dyBase + c * mult + m];
            }
          }
        }
      }
  const out = makeF32(backend, fs);
  heapF32(backend).set(acc, off4(backend, out));
  return out;
};

export const depthwiseBackpropInput: KernelFn = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs ?? {};
  const inShape = a.inputShape as number[];
  const g = convGeom(inShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode, 'NHWC', true);
  const { n, h, w, ci, kh, kw, oh, ow, sh, sw, dh, dw, padT, padL } = g;
  const mult = filter.shape[3];
  const co = ci * mult;
  const acc = new Float64Array(n * h * w * ci);
  const heap = heapF32(backend);
  const fo = off4(backend, filter),
    yo = off4(backend, dy);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        const dyBase = yo + ((b * oh + y) * ow + xx) * co;
        for (let p = 0; p < kh; p++) {
          const iy = y * sh - padT + p * dh;
          if (iy < 0 || iy >= h) continue;
          for (let q = 0; q < kw; q++) {
            const ix = xx * sw - padL + q * dw;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((b * h + iy) * w + ix) * ci;
            const fBase = fo + (p * kw + q) * co;
            for (let c = 0; c < ci; c++) {
              let s = 0;
              for (let m = 0; m < mult; m++) s += heap[dyBase + c * mult + m] * heap[fBase + c * mult + m];
              acc[xBase + c] += s;
            }
          }
        }
      }
  const out = makeF32(backend, inShape);
  heapF32(backend).set(acc, off4(backend, out));
  return out;
};
