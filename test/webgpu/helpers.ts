/**
 * The webgpu layer's shared set-up: Dawn on the adapter the layer was started with
 * (scripts/test-webgpu.mjs: OpenGL ES on Mesa llvmpipe unless MEDSSL_DAWN_BACKEND says otherwise),
 * and the reference backends it is compared with.
 */
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../../src/core/backend/wasm/init';
import { startWebGPU, type WebGPUStarted } from '../../src/core/backend/webgpu/start';

/** Makes 'webgpu' the active backend; a software adapter is what CI has, so it is allowed here. */
export async function useWebGPU(): Promise<WebGPUStarted> {
  return startWebGPU({ allowSoftware: true });
}

export async function useWasm(): Promise<void> {
  await initWasmBackend({ threads: 1 });
}

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** max |a − b| / max |b|: the error relative to the reference's scale (0 when both are 0). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relError: ${a.length} values against ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic values in [-1, 1) (a 32-bit LCG): the same inputs on every backend. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
