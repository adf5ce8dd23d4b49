// MaxPoolGrad: MaxPoolWithArgmax + ScatterNd. Wasm's argmax returns index 0 for windows whose
// maximum is <= 0, so the input is shifted to >= 1 first (argmax is unchanged by a shift).
import * as tf from '@tensorflow/tfjs';
import { KernelFn, TensorInfo, dispose, makeF32, reshape, runStock, runStockMulti, heapF32, off4, size } from './util';

export const maxPoolGrad: KernelFn = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const a = attrs ?? {};
  if (a.dimRoundingMode != null || input.dtype !== 'float32') {
    return runStock('MaxPoolGrad', backend, inputs as Record<string, TensorInfo>, a);
  }
  const n = size(input.shape);
  let heap = heapF32(backend);
  const xo = off4(backend, input);
  let mn = Infinity;
  for (let i = xo; i < xo + n; i++) if (heap[i] < mn) mn = heap[i];
  let shifted: TensorInfo | null = null;
  if (!(mn >= 1)) {
    shifted = makeF32(backend, input.shape);
    heap = heapF32(backend);
    const c = 1 - mn, so = off4(backend, shifted), xo2 = off4(backend, input);
    for (let i = 0; i < n; i++) heap[so + i] = heap[xo2 + i] + c;
  }
  const [pooled, idx] = runStockMulti('MaxPoolWithArgmax', backend, { x: shifted ?? input }, {
    filterSize: a.filterSize, strides: a.strides, pad: a.pad, includeBatchInIndex: true,
  });
  dispose(backend, pooled, shifted);
  const m = size(idx.shape);
  const ind = reshape(backend, idx, [m, 1]);
  const upd = reshape(backend, dy, [m]);
  const flat = runStock('ScatterNd', backend, { indices: ind, updates: upd }, { shape: [n] });
  dispose(backend, idx, ind, upd);
  const out = reshape(backend, flat, input.shape);
  dispose(backend, flat);
  void tf;
  return out;
};
