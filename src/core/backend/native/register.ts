// Puts the oneDNN kernels in front of the wasm backend's own (when the addon loads) and answers
// "which kernels are native, and why not" for the environment report, run.json and the bench.
import * as tf from '@tensorflow/tfjs';
import type { KernelFn } from '../wasm/kernels/util';
import { loadOneDnnAddon } from './addon';
import { makeNativeKernels, nativeFailures } from './kernels';
import type { NativeKernelStatus } from '../types';

export const NATIVE_KERNEL_NAMES = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'MaxPoolGrad'] as const;

let registered: string[] | null = null;
let nativeFns: Record<string, KernelFn> | null = null;
const previous = new Map<string, KernelFn>();

function put(name: string, f: KernelFn): void {
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: f as unknown as tf.KernelFunc });
}

/**
 * Registers the native kernels for backendName 'wasm' (idempotent; call after the wasm training
 * kernels, which become the fallbacks). Returns the names registered, empty when the addon is absent.
 */
export function registerNativeKernels(): string[] {
  if (registered) return registered.slice();
  const { addon } = loadOneDnnAddon();
  if (!addon) {
    registered = [];
    return [];
  }
  for (const name of NATIVE_KERNEL_NAMES) {
    const k = tf.getKernel(name, 'wasm');
    if (k) previous.set(name, k.kernelFunc as unknown as KernelFn);
  }
  const fallbacks = Object.fromEntries(NATIVE_KERNEL_NAMES.map((n) => [n, () => previous.get(n)]));
  nativeFns = makeNativeKernels(addon, fallbacks);
  for (const name of NATIVE_KERNEL_NAMES) put(name, nativeFns[name]);
  registered = [...NATIVE_KERNEL_NAMES];
  return registered.slice();
}

/**
 * Switches between the native kernels and the wasm ones underneath (side-by-side comparisons in one
 * process); returns whether native kernels are now active. A no-op without the addon.
 */
export function setNativeKernelsActive(on: boolean): boolean {
  if (!nativeFns) return false;
  for (const name of NATIVE_KERNEL_NAMES) {
    const f = on ? nativeFns[name] : previous.get(name);
    if (f) put(name, f);
  }
  active = on;
  return on;
}
let active = true;

/** Which of the wasm backend's kernels run natively here, with oneDNN's version, ISA and implementations. */
export function nativeKernelStatus(): NativeKernelStatus {
  const { addon, detail } = loadOneDnnAddon();
  if (!addon) return { kernels: 'wasm', native: [], detail };
  if (!active) return { kernels: 'wasm', native: [], detail: `${detail}; native kernels switched off in this process` };
  const info = addon.info();
  const failures = nativeFailures();
  return {
    kernels: 'native',
    native: registered && registered.length ? registered.slice() : [...NATIVE_KERNEL_NAMES],
    oneDnn: { version: info.version, isa: info.isa, threads: info.threads, impls: info.impls },
    detail: failures.length ? `${detail}; fell back to wasm for: ${failures.join('; ')}` : detail,
  };
}

/** 'native' when the oneDNN kernels run under the wasm backend in this process. */
export function kernelsKind(): 'native' | 'wasm' {
  return loadOneDnnAddon().addon && active ? 'native' : 'wasm';
}
