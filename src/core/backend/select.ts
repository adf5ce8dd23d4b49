import * as tf from '@tensorflow/tfjs';
import type { WebGPUAdapterReport } from './webgpu/adapter';
import {
  BACKEND_ORDER,
  type BackendChoice,
  type BackendName,
  type BackendProbe,
  type BackendRequest,
  type LibraryProbe,
  type NativeKernelStatus,
} from './types';

/** Everything backend selection touches outside itself; tests pass stand-ins. */
export interface BackendHost {
  /** `require` for the optional native packages (throws as require does when one is absent). */
  requireOptional(name: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): unknown;
  /** GPUs the driver reports. */
  gpus(): string[];
  cudaLibraries(): LibraryProbe[];
  /** Starts the WebAssembly backend with the project's training kernels (native ones where the oneDNN addon loads). */
  initWasm(): Promise<{ simd: boolean; threads: number; native?: NativeKernelStatus }>;
  /**
   * Starts the WebGPU backend (Dawn). A software adapter is refused (thrown) unless `allowSoftware`.
   * Returns the adapter's one-line label and whether it is software.
   */
  initWebGPU(allowSoftware: boolean): Promise<{ label: string; software: boolean }>;
  /** The WebGPU adapter in full for `medssl env`, or why there is none (optional: stand-ins may omit it). */
  describeWebGPU?(): Promise<{ adapter?: WebGPUAdapterReport; reason?: string }>;
}

export const NATIVE_PACKAGE: Record<'tfjs-node-gpu' | 'tfjs-node', '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};
/** Both native packages register their backend under this name. */
const NATIVE_BACKEND = 'tensorflow';

interface Activated {
  device: string;
  kernels?: 'native' | 'wasm';
  native?: NativeKernelStatus;
  /** Runs, but not as the user would expect (a software GPU adapter): said in the choice's warning. */
  caveat?: string;
}

/** A reason without its parenthesised explanation (the backend table carries the long form). */
export function shortReason(reason: string): string {
  return reason.replace(/\s*\([^)]*\)/g, '').trim();
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

function isNotInstalled(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'MODULE_NOT_FOUND' && (err.message ?? '').includes(`'${pkg}'`);
}

function missingCuda(host: BackendHost): string[] {
  return host
    .cudaLibraries()
    .filter((l) => !l.foundAt)
    .map((l) => l.candidates[0]);
}

/**
 * Tries to make `name` the active TensorFlow.js backend. Returns the device it runs on, or throws an
 * Error whose message says why it cannot run here.
 */
async function activate(name: BackendName, host: BackendHost, request: BackendRequest | 'probe'): Promise<Activated> {
  switch (name) {
    case 'webgpu': {
      // A software adapter only when asked for by name (or listed by the probe): auto must never
      // trade wasm's speed for a CPU rasteriser's.
      const { label, software } = await host.initWebGPU(request === 'webgpu' || request === 'probe');
      return {
        device: `GPU (WebGPU): ${label}`,
        caveat: software
          ? `backend 'webgpu' runs on a software adapter (${label}): the CPU emulates the GPU, slower than 'wasm'; use it for tests, not training`
          : undefined,
      };
    }
    case 'tfjs-node-gpu': {
      const missing = missingCuda(host);
      const pkg = NATIVE_PACKAGE[name];
      try {
        host.requireOptional(pkg);
      } catch (e) {
        if (isNotInstalled(e, pkg)) {
          throw new Error(
            `${pkg} is not installed (optional dependency; its install downloads libtensorflow with CUDA 11.2 / cuDNN 8.1 support and needs internet access)`,
          );
        }
        const cuda = missing.length ? `; missing CUDA libraries: ${missing.join(', ')}` : '';
        throw new Error(`${pkg} failed to load: ${firstLine(e)}${cuda}`);
      }
      const gpus = host.gpus();
      if (gpus.length === 0) {
        throw new Error(`${pkg} loaded, but no CUDA GPU is visible (nvidia-smi reports none): TensorFlow would run on the CPU`);
      }
      if (missing.length) {
        throw new Error(`${pkg} loaded, but CUDA libraries are missing (${missing.join(', ')}): TensorFlow would run on the CPU`);
      }
      await setOrThrow(NATIVE_BACKEND);
      return { device: `GPU (CUDA): ${gpus[0]}` };
    }
    case 'tfjs-node': {
      const pkg = NATIVE_PACKAGE[name];
      try {
        host.requireOptional(pkg);
      } catch (e) {
        if (isNotInstalled(e, pkg)) {
          throw new Error(`${pkg} is not installed (optional dependency; its install downloads libtensorflow and needs internet access)`);
        }
        throw new Error(`${pkg} failed to load: ${firstLine(e)}`);
      }
      await setOrThrow(NATIVE_BACKEND);
      return { device: 'CPU (native libtensorflow)' };
    }
    case 'wasm': {
      if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object')
        throw new Error('this JavaScript runtime has no WebAssembly');
      const { simd, threads, native } = await host.initWasm();
      const wasm = `WebAssembly${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'} per worker`;
      if (native?.kernels === 'native' && native.oneDnn) {
        return {
          device: `CPU (${wasm}; convolutions and matmuls native: oneDNN ${native.oneDnn.version}, ${native.oneDnn.isa})`,
          kernels: 'native',
          native,
        };
      }
      return { device: `CPU (${wasm})`, kernels: 'wasm', ...(native ? { native } : {}) };
    }
    case 'cpu':
      await setOrThrow('cpu');
      return { device: 'CPU (pure JavaScript, about 1 GFLOP/s: for tests and tiny models only)' };
  }
}

async function setOrThrow(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TensorFlow.js could not initialise backend '${name}'`);
  await tf.ready();
}

/**
 * Picks and activates a backend. `auto` tries tfjs-node-gpu, webgpu (hardware adapters only), tfjs-node,
 * wasm, cpu in that order; an
 * explicit request is tried first and, if it cannot run, the ones after it in that order — with a
 * warning, because a researcher who asked for a GPU must see that they are not getting it.
 */
export async function chooseBackend(request: BackendRequest, host: BackendHost): Promise<BackendChoice> {
  const start = request === 'auto' ? 0 : BACKEND_ORDER.indexOf(request);
  if (start < 0) throw new Error(`unknown backend '${request}': use one of auto, ${BACKEND_ORDER.join(', ')}`);
  const skipped: BackendProbe[] = [];
  for (const name of BACKEND_ORDER.slice(start)) {
    try {
      const { device, kernels, caveat } = await activate(name, host, request);
      const choice: BackendChoice = { requested: request, backend: name, device, skipped, ...(kernels ? { kernels } : {}) };
      if (request !== 'auto' && name !== request) {
        choice.warning = `Requested backend '${request}' cannot run here (${skipped[0].reason}); running on '${name}' — ${device} — instead.`;
      } else if (request === 'auto' && name !== 'tfjs-node-gpu' && name !== 'webgpu') {
        const gpu = skipped.find((s) => s.name === 'tfjs-node-gpu');
        if (gpu) {
          const webgpu = skipped.find((s) => s.name === 'webgpu');
          const why = webgpu ? `${shortReason(gpu.reason)}; webgpu: ${webgpu.reason}` : shortReason(gpu.reason);
          choice.warning = `No GPU: ${why}. Running on '${name}' — ${device}.`;
        }
      }
      if (caveat) choice.warning = choice.warning ? `${choice.warning} ${caveat}` : caveat;
      return choice;
    } catch (e) {
      skipped.push({ name, available: false, reason: firstLine(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * Checks every backend (for `medssl env`). Activation is the only honest test, so each one is
 * activated in turn; the caller re-activates the one it wants afterwards.
 */
export async function probeBackends(host: BackendHost): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const { device, native } = await activate(name, host, 'probe');
      probes.push({ name, available: true, reason: `runs on ${device}`, ...(native ? { native } : {}) });
    } catch (e) {
      probes.push({ name, available: false, reason: firstLine(e) });
    }
  }
  return probes;
}
