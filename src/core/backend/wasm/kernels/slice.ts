// Slice: the stock kernel copies the whole input; copy only the needed contiguous runs.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, runStock, byteOffset, heapU8, size } from './util';

export function sliceImpl(backend: BackendWasm, x: TensorInfo, begin: number[], sz: number[]): TensorInfo {
  const out = backend.makeOutput(sz, x.dtype);
  const total = size(sz);
  if (total === 0) return out;
  const bpe = x.dtype === 'bool' ? 1 : 4;
  const shape = x.shape,
    r = shape.length;
  const strides: number[] = new Array(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  // innermost axis k such that all axes after k are full
  let k = r - 1;
  while (k > 0 && begin[k] === 0 && sz[k] === shape[k]) k--;
  const run = sz[k] * strides[k] * bpe; // bytes per contiguous run
  const heap = heapU8(backend);
  const src0 = byteOffset(backend, x),
    dst0 = byteOffset(backend, out);
  const idx = new Array(k).fill(0);
  let dst = dst0;
  const runs = (total * bpe) / run;
  for (let c = 0; c < runs; c++) {
    let src = src0 + begin[k] * strides[k] * bpe;
    for (let i = 0; i < k; i++) src += (begin[i] + idx[i]) * strides[i] * bpe;
    heap.copyWithin(dst, src, src + run);
    dst += run;
    for (let i = k - 1; i >= 0; i--) {
      if (++idx[i] < sz[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

export const slice: KernelFn = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) {
    return runStock('Slice', backend, { x }, attrs);
  }
  const [begin, sz] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs?.begin as number[], attrs?.size as number[]);
  return sliceImpl(backend, x, begin, sz);
};
