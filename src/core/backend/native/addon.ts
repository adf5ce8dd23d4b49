// Loads the optional oneDNN addon (native/, built by node-gyp at install; in the packaged extension
// dist/native/ beside libdnnl.so.2). Loading never throws: when the addon cannot run, the status says
// why and training keeps the WebAssembly kernels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** The addon's JavaScript surface (native/src/onednn_addon.cc). */
export interface OneDnnAddon {
  /** kind 0 forward (x, filter → y), 1 input gradient (dy, filter → dx), 2 filter gradient (x, dy → dfilter). */
  conv(kind: 0 | 1 | 2, heap: ArrayBuffer, geom: Int32Array, off0: number, off1: number, offOut: number, filterId: number): void;
  /** dims: batchA, batchB, M, K, N, transposeA, transposeB. */
  matmul(heap: ArrayBuffer, dims: Int32Array, offA: number, offB: number, offC: number): void;
  /** geom: n, h, w, c, kh, kw, oh, ow, sh, sw, padT, padL, padB, padR; x, dy → dx. */
  maxPoolGrad(heap: ArrayBuffer, geom: Int32Array, offX: number, offDy: number, offDx: number): void;
  info(): { version: string; isa: string; threads: number; impls: Record<string, string[]> };
  setThreads(n: number): number;
  clearCache(): void;
}

export interface AddonLoad {
  addon: OneDnnAddon | null;
  /** Where it was loaded from, or why it was not. */
  detail: string;
}

const FILE = 'medssl_onednn.node';

/** Candidate paths: dist/native next to the bundle, else native/build/Release in the source tree. */
export function addonCandidates(from = __dirname): string[] {
  const out = [path.join(from, 'native', FILE)];
  let dir = from;
  for (let i = 0; i < 8; i++) {
    out.push(path.join(dir, 'native', 'build', 'Release', FILE));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

/** Threads oneDNN may use in this JavaScript thread: all cores in the main thread, one per data-parallel replica. */
export function defaultNativeThreads(env: NodeJS.ProcessEnv = process.env, mainThread = isMainThread): number | null {
  const v = env.MEDSSL_NATIVE_THREADS;
  if (v != null && v !== '') {
    const n = Number(v);
    if (Number.isInteger(n) && n > 0) return n;
  }
  return mainThread ? null : 1;
}

let cached: AddonLoad | null = null;

export function loadOneDnnAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (cached) return cached;
  cached = tryLoadOneDnnAddon(env);
  return cached;
}

/** One uncached attempt (loadOneDnnAddon keeps the first answer for the process). */
export function tryLoadOneDnnAddon(env: NodeJS.ProcessEnv): AddonLoad {
  if (env.MEDSSL_NATIVE === '0') return { addon: null, detail: 'turned off by MEDSSL_NATIVE=0' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { addon: null, detail: `native kernels are built for linux-x64 only; this is ${process.platform}-${process.arch}` };
  }
  const found = addonCandidates().find((p) => fs.existsSync(p));
  if (!found) {
    return {
      addon: null,
      detail: 'the oneDNN addon is not built (needs g++, make, python3 and libdnnl-dev at npm install; then npm run build:native)',
    };
  }
  try {
    // A runtime path, so the bundler leaves this require alone.
    const addon = module.require(found) as OneDnnAddon;
    const threads = defaultNativeThreads(env);
    if (threads != null) addon.setThreads(threads);
    addon.info();
    return { addon, detail: found };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { addon: null, detail: `the oneDNN addon failed to load (${msg})` };
  }
}
