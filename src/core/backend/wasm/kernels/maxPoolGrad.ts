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
  // min(x) and x + (1 - min) with the stock C++ kernels (much faster than JS loops over the heap).
  const mnT = runStock('Min', backend, { x: input }, { axis: [...input.shape.keys()], keepDims: false });
  const mn = heapF32(backend)[off4(backend, mnT)];
  dispose(backend, mnT);
  let shifted: TensorInfo | null = null;
  if (!(mn >= 1)) {
    const c = makeF32(backend, []);
    heapF32(backend)[off4(backend, c)] = 1 - mn;
    shifted = runStock('Add', backend, { a: input, b: c });
    dispose(backend, c);
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
