import type { WebGPUAdapterReport } from './webgpu/adapter';

/** Names a config or the `medssl.backend` setting may request. */
export type BackendRequest = 'auto' | 'tfjs-node-gpu' | 'webgpu' | 'tfjs-node' | 'wasm' | 'cpu';
/** Concrete backends, in the order `auto` tries them (GPUs first; webgpu only on a hardware adapter). */
export type BackendName = Exclude<BackendRequest, 'auto'>;
export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'];

/** One backend's verdict: usable, or why not. */
export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is not available (or a note when it is, e.g. "no CUDA device: runs on CPU"). */
  reason: string;
}

/** What was chosen, and why each backend tried before it was skipped. Written into run.json. */
export interface BackendChoice {
  requested: BackendRequest;
  backend: BackendName;
  /** Human-readable device: "GPU (CUDA)", "CPU (libtensorflow)", "CPU (WebAssembly SIMD, 1 thread)" ... */
  device: string;
  /** Backends tried before the chosen one, with the reason each was skipped. */
  skipped: BackendProbe[];
  /** Set when the user asked for something else than what runs (e.g. a GPU): must be shown, never hidden. */
  warning?: string;
}

/** Shared library found (or not) on the machine. */
export interface LibraryProbe {
  name: string;
  /** The file names that would satisfy it. */
  candidates: string[];
  foundAt?: string;
}

/** `medssl env` / MedSSL: Check Environment. */
export interface EnvReport {
  node: { version: string; execPath: string; electronAsNode: boolean };
  platform: { os: string; arch: string; cpus: number; cpuModel: string; totalMemMiB: number; freeMemMiB: number };
  backends: BackendProbe[];
  /** The backend `auto` would pick here. */
  auto: BackendChoice;
  cuda: { libraries: LibraryProbe[]; nvidiaSmi?: string; gpus: string[] };
  threads: { cores: number; wasmThreadsUsable: number; workerThreads: number };
  wasm: { heapLimitMiB: number; simd: boolean };
  /** The WebGPU adapter Dawn offers here, or why there is none. */
  webgpu: { adapter?: WebGPUAdapterReport; reason?: string };
  /** One sentence: "will this use my GPU?" */
  gpuAnswer: string;
}
