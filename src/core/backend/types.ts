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
  /** wasm only: its native (oneDNN) kernels, when it runs. */
  native?: NativeKernelStatus;
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
  /** wasm only: whether its convolutions and matmuls run on native oneDNN kernels or WebAssembly ones. */
  kernels?: 'native' | 'wasm';
}

/** Shared library found (or not) on the machine. */
export interface LibraryProbe {
  name: string;
  /** The file names that would satisfy it. */
  candidates: string[];
  foundAt?: string;
}

/** Whether the wasm backend's hot kernels (convolutions, matmul) run natively with oneDNN here, and why not. */
export interface NativeKernelStatus {
  kernels: 'native' | 'wasm';
  /** Kernel names oneDNN runs (empty when `kernels` is 'wasm'). */
  native: string[];
  /** oneDNN's version, the ISA it dispatched to, its threads and the implementations it chose so far. */
  oneDnn?: { version: string; isa: string; threads: number; impls: Record<string, string[]> };
  /** Where the addon was loaded from, or why the kernels are WebAssembly. */
  detail: string;
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
  /** The wasm backend's native (oneDNN) kernels; absent in reports written before they existed. */
  nativeKernels?: NativeKernelStatus;
  /** The WebGPU adapter Dawn offers here, or why there is none. */
  webgpu: { adapter?: WebGPUAdapterReport; reason?: string };
  /** One sentence: "will this use my GPU?" */
  gpuAnswer: string;
}
