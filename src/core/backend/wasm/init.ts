// Initialises the portable WebAssembly backend of TensorFlow.js for training in plain Node:
// locates the .wasm binaries, selects the backend and registers the project's training kernels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './kernels/index';
import { registerNativeKernels } from '../native/register';

export { registerWasmTrainingKernels };

export interface WasmInitResult {
  simd: boolean;
  threads: number;
  wasmDir: string;
}

const BINARY = 'tfjs-backend-wasm.wasm';

/** Directory holding the wasm binaries: dist/wasm next to the bundle, else the package's dist/. */
export function locateWasmDir(): string {
  const bundled = path.join(__dirname, 'wasm');
  if (fs.existsSync(path.join(bundled, BINARY))) return bundled;
  try {
    const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
    const dir = path.join(path.dirname(pkg), 'dist');
    if (fs.existsSync(path.join(dir, BINARY))) return dir;
  } catch {
    /* fall through */
  }
  throw new Error(
    `The WebAssembly backend's binaries (${BINARY}) were found neither in ${bundled} nor in ` +
      `node_modules/@tensorflow/tfjs-backend-wasm/dist. Reinstall the extension or run 'npm install'.`,
  );
}

let initPromise: Promise<WasmInitResult> | null = null;

/**
 * Selects the wasm backend (idempotent). `threads` is the XNNPACK thread count; under Node the
 * stock loader always uses the single-threaded SIMD binary, so the result reports 1 thread. Use
 * the data-parallel workers (dataParallel.ts) to use several cores.
 */
export function initWasmBackend(opts?: { threads?: number }): Promise<WasmInitResult> {
  if (!initPromise) {
    initPromise = doInit(opts).catch((e: unknown) => {
      initPromise = null;
      throw e;
    });
  }
  return initPromise;
}

async function doInit(opts?: { threads?: number }): Promise<WasmInitResult> {
  const wasmDir = locateWasmDir();
  if (opts?.threads && opts.threads > 0) setThreadsCount(opts.threads);
  if (tf.findBackend('wasm') == null || tf.getBackend() !== 'wasm') {
    try {
      setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
    } catch {
      // Already initialised once in this process: the paths are fixed.
    }
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('TensorFlow.js could not initialise the WebAssembly backend.');
  await tf.ready();
  registerWasmTrainingKernels();
  // After the wasm training kernels: they stay registered underneath as the fallbacks.
  registerNativeKernels();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  let threads = 1;
  try {
    threads = Math.max(1, getThreadsCount());
  } catch {
    threads = 1;
  }
  return { simd, threads, wasmDir };
}
