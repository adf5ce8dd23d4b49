// Helpers shared by the replacement wasm kernels: raw access to the wasm heap, calling the stock
// kernels directly (no engine bookkeeping), and disposal of intermediates.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;
export type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: Attrs }) => TensorInfo | TensorInfo[];

/** The stock kernels of the wasm backend, captured before any replacement is registered. */
const stock = new Map<string, KernelFn>();

export function captureStock(name: string): void {
  if (stock.has(name)) return;
  const k = tf.getKernel(name, 'wasm');
  if (k) stock.set(name, k.kernelFunc as unknown as KernelFn);
}

/** Calls a stock wasm kernel directly; returns its single output. */
export function runStock(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
  let f = stock.get(name);
  if (!f) {
    captureStock(name);
    f = stock.get(name);
  }
  if (!f) throw new Error(`wasm kernel ${name} is not registered`);
  const out = f({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

export function dispose(backend: BackendWasm, ...infos: (TensorInfo | null | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

export function makeF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** A reshape that shares memory (increments the reference count). */
export function reshape(backend: BackendWasm, t: TensorInfo, shape: number[]): TensorInfo {
  return runStock('Reshape', backend, { x: t }, { shape });
}

export function transpose(backend: BackendWasm, t: TensorInfo, perm: number[]): TensorInfo {
  return runStock('Transpose', backend, { x: t }, { perm });
}

export function size(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

export function pair(v: number | [number, number] | number[] | undefined, dflt = 1): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

/** Registers a replacement kernel for the wasm backend, unregistering the stock one first. */
export function replaceKernel(name: string, kernelFunc: KernelFn): void {
  captureStock(name);
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

interface HeapModule {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
}

/** Float32 view of the whole wasm heap (take it after every allocation: growth detaches views). */
export function heapF32(backend: BackendWasm): Float32Array {
  return (backend.wasm as unknown as HeapModule).HEAPF32;
}
export function heapI32(backend: BackendWasm): Int32Array {
  return (backend.wasm as unknown as HeapModule).HEAP32;
}
export function heapU8(backend: BackendWasm): Uint8Array {
  return (backend.wasm as unknown as HeapModule).HEAPU8;
}
/** Byte offset of a tensor's data in the wasm heap. */
export function byteOffset(backend: BackendWasm, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d || d.memoryOffset == null) throw new Error('tensor data is not on the wasm heap');
  return d.memoryOffset as number;
}
/** Element offset (4-byte elements) of a tensor's data in the wasm heap. */
export function off4(backend: BackendWasm, t: TensorInfo): number {
  return byteOffset(backend, t) >>> 2;
}
