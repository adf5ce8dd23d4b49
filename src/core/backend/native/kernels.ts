// Conv2D, its two gradients, BatchMatMul and the max-pool gradient for the wasm backend, run by oneDNN on the wasm heap in
// place: inputs are read and outputs written where tfjs keeps them, so every other kernel, the memory
// estimate and checkpoints are unchanged. The heap's ArrayBuffer is taken after the output is
// allocated (an allocation may grow the heap and replace it). Any case the addon refuses runs the
// kernel that was registered before (the project's wasm kernel) instead.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelFn, TensorInfo, byteOffset, heapU8, size } from '../wasm/kernels/util';
import { ConvGeom, convGeom, geomOf } from '../wasm/kernels/convInfo';
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
  /**
   * The three convolution passes share one shape: the geometry from the x and filter shapes, a fallback
   * where oneDNN cannot take it, then the addon writing the output in place. `kind` is the addon's pass
   * (0 forward, 1 input gradient, 2 filter gradient); the filter's data id keys its cached reorder
   * (the filter gradient reads no filter).
   */
  const convKernel = (
    name: 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter',
    kind: 0 | 1 | 2,
    inputNames: readonly [string, string],
    shapes: (a: TensorInfo, b: TensorInfo, attrs: Record<string, unknown>) => { x: number[]; filter: number[] },
    outShape: (g: ConvGeom) => number[],
  ): KernelFn => {
    return (args) => {
      const { inputs, backend, attrs = {} } = args;
      const named = inputs as Record<string, TensorInfo>;
      const a = named[inputNames[0]];
      const b = named[inputNames[1]];
      const { x, filter } = shapes(a, b, attrs);
      const g = convGeom(x, filter, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, attrs.dataFormat);
      const geom = oneDnnGeom(g);
      if (!geom || !isF32(a, b)) return orFallback(name, fallbacks[name], args);
      return withOutput(
        backend,
        outShape(g),
        (y) =>
          addon.conv(
            kind,
            heapBuffer(backend),
            geom,
            byteOffset(backend, a),
            byteOffset(backend, b),
            byteOffset(backend, y),
            kind === 2 ? -1 : dataNumber(backend, b),
          ),
        () => orFallback(name, fallbacks[name], args),
      );
    };
  };
  const conv2D = convKernel(
    'Conv2D',
    0,
    ['x', 'filter'],
    (x, filter) => ({ x: x.shape, filter: filter.shape }),
    (g) => [g.n, g.oh, g.ow, g.co],
  );
  const conv2DBackpropInput = convKernel(
    'Conv2DBackpropInput',
    1,
    ['dy', 'filter'],
    (_dy, filter, attrs) => ({ x: attrs.inputShape as number[], filter: filter.shape }),
    (g) => [g.n, g.h, g.w, g.ci],
  );
  const conv2DBackpropFilter = convKernel(
    'Conv2DBackpropFilter',
    2,
    ['x', 'dy'],
    (x, _dy, attrs) => ({ x: x.shape, filter: attrs.filterShape as number[] }),
    (g) => [g.kh, g.kw, g.ci, g.co],
  );
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
    const g = oneDnnGeom(geomOf(info));
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
