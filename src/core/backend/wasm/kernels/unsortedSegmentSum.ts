// UnsortedSegmentSum (missing in stock wasm; the gradient of gather): ScatterNd, which accumulates
// duplicate indices. Ids outside [0, numSegments) are dropped, as in TensorFlow.
import { KernelFn, TensorInfo, dispose, reshape, runStock, heapI32, off4, size, heapF32 } from './util';

export const unsortedSegmentSum: KernelFn = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = attrs?.numSegments as number;
  const k = size(segmentIds.shape);
  const rest = x.shape.slice(segmentIds.shape.length);
  const inner = size(rest);
  const ids = heapI32(backend).subarray(off4(backend, segmentIds), off4(backend, segmentIds) + k);
  let valid = true;
  for (let i = 0; i < k; i++)
    if (ids[i] < 0 || ids[i] >= numSegments) {
      valid = false;
      break;
    }
  if (!valid) {
    if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: ${x.dtype} is not supported on wasm`);
    const out = backend.makeOutput([numSegments, ...rest], x.dtype);
    const vals = x.dtype === 'float32' ? heapF32(backend) : heapI32(backend);
    const h32 = heapI32(backend);
    const o = off4(backend, out),
      xo = off4(backend, x),
      so = off4(backend, segmentIds);
    vals.fill(0, o, o + numSegments * inner);
    for (let i = 0; i < k; i++) {
      const s = h32[so + i];
      if (s < 0 || s >= numSegments) continue;
      for (let j = 0; j < inner; j++) vals[o + s * inner + j] += vals[xo + i * inner + j];
    }
    return out;
  }
  const ind = reshape(backend, segmentIds, [k, 1]);
  const upd = reshape(backend, x, [k, ...rest]);
  const out = runStock('ScatterNd', backend, { indices: ind, updates: upd }, { shape: [numSegments, ...rest] });
  dispose(backend, ind, upd);
  return out;
};
