// Puts the oneDNN kernels in front of the wasm backend's own (when the addon loads) and answers
// "which kernels are native, and why not" for the environment report, run.json and the bench.
import * as tf from '@tensorflow/tfjs';
import type { KernelFn } from '../wasm/kernels/util';
import { loadOneDnnAddon, type OneDnnAddon } from './addon';
import { makeNativeKernels, nativeFailures } from './kernels';
import type { NativeKernelStatus } from '../types';

export const NATIVE_KERNEL_NAMES = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'MaxPoolGrad'] as const;

let registered: string[] | null = null;
let nativeFns: Record<string, KernelFn> | null = null;
let active = true;
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
  const all = makeNativeKernels(addon, fallbacks);
  const chosen = selectedKernelNames();
  nativeFns = Object.fromEntries(chosen.map((n) => [n, all[n]]));
  for (const name of chosen) put(name, nativeFns[name]);
  registered = chosen;
  return registered.slice();
}

/**
 * The native kernels to register: all of them, or only those listed in MEDSSL_NATIVE_KERNELS
 * (comma-separated kernel names), so that one misbehaving kernel can be isolated without a rebuild.
 */
export function selectedKernelNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const v = env.MEDSSL_NATIVE_KERNELS;
  if (v == null || v.trim() === '') return [...NATIVE_KERNEL_NAMES];
  const asked = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = asked.filter((s) => !(NATIVE_KERNEL_NAMES as readonly string[]).includes(s));
  if (unknown.length) {
    throw new Error(`MEDSSL_NATIVE_KERNELS: unknown kernel ${unknown.join(', ')} (known: ${NATIVE_KERNEL_NAMES.join(', ')})`);
  }
  return NATIVE_KERNEL_NAMES.filter((n) => asked.includes(n));
}

/**
 * Switches between the native kernels and the wasm ones underneath (side-by-side comparisons in one
 * process); returns whether native kernels are now active. A no-op without the addon.
 */
export function setNativeKernelsActive(on: boolean): boolean {
  if (!nativeFns) return false;
  for (const name of Object.keys(nativeFns)) {
    const f = on ? nativeFns[name] : previous.get(name);
    if (f) put(name, f);
  }
  active = on;
  return on;
}

/**
 * One small convolution of each kind on a scratch buffer (not the wasm heap), so that the report names
 * the implementations oneDNN dispatches to (e.g. brgconv:avx512_core) before any training ran.
 */
function probeImplementations(addon: OneDnnAddon): void {
  // n,h,w,ci,kh,kw,co,oh,ow,sh,sw,dh,dw,padT,padL,padB,padR: 2x8x8x32 -> 32 filters 3x3, same.
  const geom = Int32Array.from([2, 8, 8, 32, 3, 3, 32, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1]);
  const act = 2 * 8 * 8 * 32 * 4,
    filt = 3 * 3 * 32 * 32 * 4;
  const buf = new ArrayBuffer(2 * act + filt);
  addon.conv(0, buf, geom, 0, act, act + filt, -1);
  addon.conv(1, buf, geom, act + filt, act, 0, -1);
  addon.conv(2, buf, geom, 0, act + filt, act, -1);
}

/** Which of the wasm backend's kernels run natively here, with oneDNN's version, ISA and implementations. */
export function nativeKernelStatus(): NativeKernelStatus {
  const { addon, detail } = loadOneDnnAddon();
  if (!addon) return { kernels: 'wasm', native: [], detail };
  if (!active) return { kernels: 'wasm', native: [], detail: `${detail}; native kernels switched off in this process` };
  if (!addon.info().impls.conv2d) {
    try {
      probeImplementations(addon);
    } catch {
      // The report then lists no implementations; the kernels fall back per call if oneDNN refuses.
    }
  }
  const info = addon.info();
  const failures = nativeFailures();
  return {
    kernels: 'native',
    native: registered ? registered.slice() : [...NATIVE_KERNEL_NAMES],
    oneDnn: { version: info.version, isa: info.isa, threads: info.threads, impls: info.impls },
    detail: failures.length ? `${detail}; fell back to wasm for: ${failures.join('; ')}` : detail,
  };
}

/** 'native' when the oneDNN kernels run under the wasm backend in this process. */
export function kernelsKind(): 'native' | 'wasm' {
  return loadOneDnnAddon().addon && active ? 'native' : 'wasm';
}
