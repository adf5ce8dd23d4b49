// Tile: replicate blocks with memmove (copyWithin) instead of a per-element loop.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, runStock, byteOffset, heapU8, size } from './util';

export function tileImpl(backend: BackendWasm, x: TensorInfo, reps: number[]): TensorInfo {
  const S = x.shape,
    r = S.length;
  const O = S.map((s, i) => s * reps[i]);
  const out = backend.makeOutput(O, x.dtype);
  if (size(O) === 0) return out;
  const bpe = x.dtype === 'bool' ? 1 : 4;
  const inStr: number[] = new Array(r),
    outStr: number[] = new Array(r);
  let a = bpe,
    b = bpe;
  for (let i = r - 1; i >= 0; i--) {
    inStr[i] = a;
    outStr[i] = b;
    a *= S[i];
    b *= O[i];
  }
  const heap = heapU8(backend);
  const fill = (axis: number, inOff: number, outOff: number): void => {
    const block = S[axis] * outStr[axis];
    if (axis === r - 1) heap.copyWithin(outOff, inOff, inOff + S[axis] * bpe);
    else for (let i = 0; i < S[axis]; i++) fill(axis + 1, inOff + i * inStr[axis], outOff + i * outStr[axis]);
    for (let k = 1; k < reps[axis]; k++) heap.copyWithin(outOff + k * block, outOff, outOff + block);
  };
  fill(0, byteOffset(backend, x), byteOffset(backend, out));
  return out;
}

export const tile: KernelFn = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const reps = attrs?.reps as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0 || size(x.shape) === 0) {
    return runStock('Tile', backend, { x }, attrs);
  }
  return tileImpl(backend, x, reps);
};
