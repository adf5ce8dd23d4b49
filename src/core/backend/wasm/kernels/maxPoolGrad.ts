// MaxPoolGrad (stock wasm: naive). The forward output is given, so each window's argmax is the first
// position (row-major, as on the cpu backend) whose input equals the pooled value; dy is added there.
// One pass over the windows, no argmax kernel: this also avoids the stock MaxPoolWithArgmax trap
// (index 0 for windows whose maximum is <= 0, e.g. all-zero windows after a ReLU).
import * as tf from '@tensorflow/tfjs';
import { KernelFn, TensorInfo, makeF32, runStock, heapF32, off4, size } from './util';

/** The window loop, in its own function so that V8 optimises it on the first call. */
function scatterToArgmax(
  heap: Float32Array,
  xo: number,
  yo: number,
  go: number,
  dxo: number,
  n: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
  fh: number,
  fw: number,
  dh: number,
  dw: number,
  padT: number,
  padL: number,
): void {
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const iy0 = y * sh - padT;
      for (let x = 0; x < ow; x++) {
        const ix0 = x * sw - padL;
        const outBase = ((b * oh + y) * ow + x) * c;
        for (let ch = 0; ch < c; ch++) {
          const m = heap[yo + outBase + ch];
          let found = -1;
          for (let p = 0; p < fh && found < 0; p += dh) {
            const iy = iy0 + p;
            if (iy < 0 || iy >= h) continue;
            const rowBase = (b * h + iy) * w * c + ch;
            for (let q = 0; q < fw; q += dw) {
              const ix = ix0 + q;
              if (ix < 0 || ix >= w) continue;
              const idx = rowBase + ix * c;
              if (heap[xo + idx] === m) {
                found = idx;
                break;
              }
            }
          }
          if (found >= 0) heap[dxo + found] += heap[go + outBase + ch];
        }
      }
    }
  }
}

export const maxPoolGrad: KernelFn = ({ inputs, backend, attrs }) => {
  const { dy, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const a = attrs ?? {};
  if (input.dtype !== 'float32' || input.shape.length !== 4) {
    return runStock('MaxPoolGrad', backend, inputs as Record<string, TensorInfo>, a);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize as [number, number] | number,
    a.strides as [number, number] | number,
    1,
    a.pad as 'same' | 'valid' | number,
    (a.dimRoundingMode ?? undefined) as 'floor' | 'round' | 'ceil' | undefined,
  );
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
    strideHeight: sh,
    strideWidth: sw,
    effectiveFilterHeight: fh,
    effectiveFilterWidth: fw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = info;
  const padT = info.padInfo.top,
    padL = info.padInfo.left;
  const dx = makeF32(backend, input.shape);
  const heap = heapF32(backend);
  const xo = off4(backend, input),
    yo = off4(backend, output),
    go = off4(backend, dy),
    dxo = off4(backend, dx);
  heap.fill(0, dxo, dxo + size(input.shape));
  scatterToArgmax(heap, xo, yo, go, dxo, n, h, w, c, oh, ow, sh, sw, fh, fw, dh, dw, padT, padL);
  return dx;
};
