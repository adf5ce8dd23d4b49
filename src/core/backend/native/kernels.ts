// Conv2D, its two gradients, BatchMatMul and the max-pool gradient for the wasm backend, run by oneDNN on the wasm heap in
// place: inputs are read and outputs written where tfjs keeps them, so every other kernel, the memory
// estimate and checkpoints are unchanged. The heap's ArrayBuffer is taken after the output is
// allocated (an allocation may grow the heap and replace it). Any case the addon refuses runs the
// kernel that was registered before (the project's wasm kernel) instead.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, byteOffset, heapU8, size } from '../wasm/kernels/util';
import { ConvGeom, convGeom } from '../wasm/kernels/convInfo';
import type { OneDnnAddon } from './addon';

/** tfjs's unique number of a tensor's data (a new one for every written value, so it keys reordered filters). */
function dataNumber(backend: BackendWasm, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId) as { id?: number } | undefined;
  return typeof d?.id === 'number' ? d.id : -1;
}

/** oneDNN's bottom/right padding for tfjs's geometry, or null when its output-size rule disagrees. */
export function oneDnnGeom(g: ConvGeom): Int32Array | null {
  const extH = (g.kh - 1) * g.dh + 1,
    extW = (g.kw - 1) * g.dw + 1;
  const pb = Math.max(0, (g.oh - 1) * g.sh + extH - g.h - g.padT);
  const pr = Math.max(0, (g.ow - 1) * g.sw + extW - g.w - g.padL);
  const oh = Math.floor((g.h + g.padT + pb - extH) / g.sh) + 1;
  const ow = Math.floor((g.w + g.padL + pr - extW) / g.sw) + 1;
  if (oh !== g.oh || ow !== g.ow || g.padT < 0 || g.padL < 0 || g.oh <= 0 || g.ow <= 0) return null;
  return Int32Array.from([g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.padT, g.padL, pb, pr]);
}

function heapBuffer(backend: BackendWasm): ArrayBuffer {
  return heapU8(backend).buffer as ArrayBuffer;
}

type Fallback = () => KernelFn | undefined;

function orFallback(name: string, fallback: Fallback, args: Parameters<KernelFn>[0]): ReturnType<KernelFn> {
  const f = fallback();
  if (!f) throw new Error(`${name}: no wasm kernel to fall back to`);
  return f(args);
}

function isF32(...ts: TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** Runs `run` on a fresh output; on an addon error the output is freed and the fallback runs. */
function withOutput(
  backend: BackendWasm,
  shape: number[],
  run: (out: TensorInfo) => void,
  fallback: () => ReturnType<KernelFn>,
): ReturnType<KernelFn> {
  const out = backend.makeOutput(shape, 'float32');
  try {
    run(out);
    return out;
  } catch (e) {
    backend.disposeData(out.dataId);
    noteFailure(e);
    return fallback();
  }
}

const failures = new Set<string>();
/** Distinct addon errors seen (the first one per message is kept for the environment report). */
export function nativeFailures(): string[] {
  return [...failures];
}
function noteFailure(e: unknown): void {
  if (failures.size < 20) failures.add((e instanceof Error ? e.message : String(e)).split('\n')[0]);
}

export function makeNativeKernels(addon: OneDnnAddon, fallbacks: Record<string, Fallback>): Record<string, KernelFn> {
  const conv2D: KernelFn = (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const g = convGeom(x.shape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
    const geom = oneDnnGeom(g);
    if (!geom || !isF32(x, filter)) return orFallback('Conv2D', fallbacks.Conv2D, args);
    return withOutput(
      backend,
      [g.n, g.oh, g.ow, g.co],
      (y) =>
        addon.conv(
          0,
          heapBuffer(backend),
          geom,
          byteOffset(backend, x),
          byteOffset(backend, filter),
          byteOffset(backend, y),
          dataNumber(backend, filter),
        ),
      () => orFallback('Conv2D', fallbacks.Conv2D, args),
    );
  };
  const conv2DBackpropInput: KernelFn = (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const g = convGeom(
      attrs.inputShape as number[],
      filter.shape,
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      attrs.dataFormat,
    );
    const geom = oneDnnGeom(g);
    if (!geom || !isF32(dy, filter)) return orFallback('Conv2DBackpropInput', fallbacks.Conv2DBackpropInput, args);
    return withOutput(
      backend,
      [g.n, g.h, g.w, g.ci],
      (dx) =>
        addon.conv(
          1,
          heapBuffer(backend),
          geom,
          byteOffset(backend, dy),
          byteOffset(backend, filter),
          byteOffset(backend, dx),
          dataNumber(backend, filter),
        ),
      () => orFallback('Conv2DBackpropInput', fallbacks.Conv2DBackpropInput, args),
    );
  };
  const conv2DBackpropFilter: KernelFn = (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const g = convGeom(
      x.shape,
      attrs.filterShape as number[],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      attrs.dataFormat,
    );
    const geom = oneDnnGeom(g);
    if (!geom || !isF32(x, dy)) return orFallback('Conv2DBackpropFilter', fallbacks.Conv2DBackpropFilter, args);
    return withOutput(
      backend,
      [g.kh, g.kw, g.ci, g.co],
      (dw) => addon.conv(2, heapBuffer(backend), geom, byteOffset(backend, x), byteOffset(backend, dy), byteOffset(backend, dw), -1),
      () => orFallback('Conv2DBackpropFilter', fallbacks.Conv2DBackpropFilter, args),
    );
  };
  const batchMatMul: KernelFn = (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const ta = Boolean(attrs.transposeA),
      tb = Boolean(attrs.transposeB);
    const ra = a.shape.length,
      rb = b.shape.length;
    if (!isF32(a, b) || ra < 2 || rb < 2) return orFallback('BatchMatMul', fallbacks.BatchMatMul, args);
    const M = ta ? a.shape[ra - 1] : a.shape[ra - 2],
      K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
    const Kb = tb ? b.shape[rb - 1] : b.shape[rb - 2],
      N = tb ? b.shape[rb - 2] : b.shape[rb - 1];
    const outerA = a.shape.slice(0, -2),
      outerB = b.shape.slice(0, -2);
    const batchA = size(outerA),
      batchB = size(outerB);
    // Batches must be equal or one side shared (the common cases); anything else keeps the wasm kernel.
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (K !== Kb || M * N * K === 0 || !(sameOuter || batchA === 1 || batchB === 1)) {
      return orFallback('BatchMatMul', fallbacks.BatchMatMul, args);
    }
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const dims = Int32Array.from([batchA, batchB, M, K, N, ta ? 1 : 0, tb ? 1 : 0]);
    return withOutput(
      backend,
      [...outer, M, N],
      (c) => addon.matmul(heapBuffer(backend), dims, byteOffset(backend, a), byteOffset(backend, b), byteOffset(backend, c)),
      () => orFallback('BatchMatMul', fallbacks.BatchMatMul, args),
    );
  };
  const maxPoolGrad: KernelFn = (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize as [number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const g = oneDnnGeom({
      n: info.batchSize,
      h: info.inHeight,
      w: info.inWidth,
      ci: info.inChannels,
      kh: info.filterHeight,
      kw: info.filterWidth,
      co: info.outChannels,
      oh: info.outHeight,
      ow: info.outWidth,
      sh: info.strideHeight,
      sw: info.strideWidth,
      dh: 1,
      dw: 1,
      padT: info.padInfo.top,
      padL: info.padInfo.left,
    });
    if (!g || !isF32(dy, input)) return orFallback('MaxPoolGrad', fallbacks.MaxPoolGrad, args);
    // n, h, w, c, kh, kw, oh, ow, sh, sw, padT, padL, padB, padR
    const geom = Int32Array.from([g[0], g[1], g[2], g[3], g[4], g[5], g[7], g[8], g[9], g[10], g[13], g[14], g[15], g[16]]);
    return withOutput(
      backend,
      [...input.shape],
      (dx) => addon.maxPoolGrad(heapBuffer(backend), geom, byteOffset(backend, input), byteOffset(backend, dy), byteOffset(backend, dx)),
      () => orFallback('MaxPoolGrad', fallbacks.MaxPoolGrad, args),
    );
  };
  return {
    Conv2D: conv2D,
    Conv2DBackpropInput: conv2DBackpropInput,
    Conv2DBackpropFilter: conv2DBackpropFilter,
    BatchMatMul: batchMatMul,
    MaxPoolGrad: maxPoolGrad,
  };
}
