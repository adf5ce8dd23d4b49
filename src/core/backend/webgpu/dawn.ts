/**
 * Loads Dawn (the `webgpu` package: a prebuilt `dawn.node` per platform) and creates its GPU entry
 * point once per process. `MEDSSL_DAWN_BACKEND` picks Dawn's own backend; unset, Dawn chooses
 * (Vulkan on Linux/Windows, Metal on macOS, D3D12 on Windows).
 *
 * OpenGL ES is Dawn's only backend that runs on stock Mesa (llvmpipe) without a Vulkan driver, so it is
 * what CI uses. It exists only in WebGPU's "compatibility" feature level, and Mesa's EGL needs a
 * platform without a display server (`EGL_PLATFORM=surfaceless`), set before Dawn starts.
 */

import * as path from 'node:path';
import { DAWN_BACKENDS, type DawnBackend } from './adapter';

export { DAWN_BACKENDS, type DawnBackend };

export interface DawnGpu {
  /** navigator.gpu's equivalent. */
  gpu: GPU;
  /** Dawn's backend when one was asked for; undefined: Dawn's choice. */
  backend: DawnBackend | undefined;
  featureLevel: 'core' | 'compatibility';
}

interface WebGPUPackage {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let loaded: DawnGpu | undefined;

/** The folder of this platform's prebuilt dawn.node inside the package (macOS has one universal binary). */
export function dawnBinaryDir(packageDir: string, platform: string = process.platform, arch: string = process.arch): string {
  return path.join(packageDir, 'dist', `${platform}-${platform === 'darwin' ? 'universal' : arch}`);
}

/**
 * The package, or, on runtimes that cannot require() its ES module entry (Node before 20.19, e.g.
 * VS Code's own runtime with ELECTRON_RUN_AS_NODE), its native module loaded directly: the entry only
 * re-exports it (plus a patch that unmaps buffers when a device is destroyed, which the engine never
 * relies on).
 */
function requireDawn(): WebGPUPackage {
  try {
    // A literal require, so the bundler leaves the package (and its dawn.node) to load at run time.
    return require('webgpu') as WebGPUPackage;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    const native = { exports: {} as WebGPUPackage };
    process.dlopen(native, path.join(dawnBinaryDir(path.dirname(require.resolve('webgpu'))), 'dawn.node'));
    return native.exports;
  }
}

/** The backend MEDSSL_DAWN_BACKEND asks for, or undefined; a value that is not one is an error naming the choices. */
export function dawnBackendFromEnv(env: NodeJS.ProcessEnv = process.env): DawnBackend | undefined {
  const raw = env.MEDSSL_DAWN_BACKEND?.trim().toLowerCase();
  if (!raw) return undefined;
  if ((DAWN_BACKENDS as readonly string[]).includes(raw)) return raw as DawnBackend;
  throw new Error(
    `MEDSSL_DAWN_BACKEND='${env.MEDSSL_DAWN_BACKEND ?? ''}' is not a Dawn backend: use one of ${DAWN_BACKENDS.join(', ')} (or leave it unset for Dawn's choice)`,
  );
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}

/**
 * Dawn's GPU object, created on the first call. Throws a plain reason when the package or its
 * native binary cannot load here (e.g. glibc older than 2.34, or a platform it has no binary for).
 */
export function loadDawn(env: NodeJS.ProcessEnv = process.env): DawnGpu {
  if (loaded) return loaded;
  const backend = dawnBackendFromEnv(env);
  let pkg: WebGPUPackage;
  try {
    pkg = requireDawn();
  } catch (e) {
    const err = e as { code?: string };
    if (err?.code === 'MODULE_NOT_FOUND' && /'webgpu'/.test(firstLine(e))) throw new Error("the 'webgpu' package (Dawn) is not installed");
    throw new Error(`Dawn (the 'webgpu' package) failed to load on ${process.platform}-${process.arch}: ${firstLine(e)}`);
  }
  // tfjs's WebGPU backend reads GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [k, v] of Object.entries(pkg.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  if (backend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = pkg.create(backend ? [`backend=${backend}`] : []);
  loaded = { gpu, backend, featureLevel: backend === 'opengles' ? 'compatibility' : 'core' };
  return loaded;
}

/**
 * tfjs's WebGPUBackend refuses to construct unless `navigator.gpu` exists, as in a browser. Set it only
 * after the package was imported (start.ts imports it first), so the package's own factory, which
 * would choose its own adapter and limits, never registers.
 */
export function exposeNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (g.navigator && !g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
}
