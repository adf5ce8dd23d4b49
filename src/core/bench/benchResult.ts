// What `medssl bench` returns: its options, the measured sides (ours and the PyTorch peer) and where a
// step's time goes; the CLI formats these.
import type { nativeKernelStatus } from '../backend/native/register';
import type { DataBenchResult } from './dataBench';
import type { BenchAdapter } from './webgpuBench';

export interface BenchOptions {
  batch?: number;
  size?: number;
  widths?: [number, number, number, number];
  /** Measured steps (median taken). Default 5. */
  steps?: number;
  /** Steps excluded from the timing. Default 2. */
  warmup?: number;
  /** 'auto' = one worker per core, at most 2; 1 = a single 1-thread backend in this process. */
  workers?: number | 'auto';
  /** Run the PyTorch peer. Default true. */
  torch?: boolean;
  python?: string;
  /** Per-kernel wall-clock profile (of worker 0 in data-parallel mode). */
  profile?: boolean;
  /** Measure the data loader too (the `data` field). Default true. */
  data?: boolean;
  onProgress?: (msg: string) => void;
}

export interface BenchPeer {
  name: string;
  /** From the median measured step. */
  images_per_s: number;
  /** From the fastest measured step (less sensitive to other work on the machine). */
  best_images_per_s: number;
  threads: number;
  step_s: number[];
}

export interface BenchResult {
  backend: string;
  /** Whether convolutions and matmuls ran on the native oneDNN kernels under the wasm backend ('webgpu': the GPU's own). */
  kernels: 'native' | 'wasm' | 'webgpu';
  /** oneDNN's version, ISA and implementations (with native kernels). */
  onednn?: ReturnType<typeof nativeKernelStatus>['oneDnn'];
  /** How the cores are used, e.g. "2 worker_threads x 1-thread wasm (SIMD), SharedArrayBuffer gradient mean". */
  mode: string;
  /** From the median measured step. */
  images_per_s: number;
  /** From the fastest measured step (less sensitive to other work on the machine). */
  best_images_per_s: number;
  threads: number;
  batch: number;
  size: number;
  widths: number[];
  step_s: number[];
  median_step_s: number;
  peer: BenchPeer | null;
  peer_reason?: string;
  /** ours / peer images per second, medians (null without a peer). */
  ratio: number | null;
  /** ours / peer from the fastest steps of each side (null without a peer). */
  ratio_best: number | null;
  /** 1-minute load average of the machine before and after the run: other work skews both sides. */
  load_avg: [number, number];
  /** Conditions that make the numbers unreliable (e.g. other work on the machine). */
  warnings: string[];
  /** Top kernels by time per measured step (only with profile). */
  profile?: { kernel: string; ms_per_step: number; calls_per_step: number; share: number }[];
  /** Per replica (worker rank order): median over the measured steps of where its step goes (ms). */
  phases: StepPhases[];
  /**
   * The data line: slices/s the streaming loader prepares (read + window + resize + two views, cold
   * cache, one thread) and its ratio to `images_per_s` (goal ≥ 5: data is never the bottleneck).
   */
  data?: DataBenchResult;
  /** The WebGPU adapter the step ran on (`medssl bench --backend webgpu`; the peer is then wasm). */
  adapter?: BenchAdapter;
}

/**
 * Where one replica's step goes (ms): forward + backward (all kernels), the gradient all-reduce
 * (of which `exchange_wait` is blocked at its barriers waiting for the other workers), the SGD
 * update, and reading the loss back / disposing.
 */
export interface StepPhases {
  forward_backward: number;
  exchange: number;
  exchange_wait: number;
  update: number;
  readback: number;
}
