// `medssl bench`: images/s of one full training step (forward, backward, SGD momentum update) of the
// product's ResNet-18-shaped encoder (widths 32-64-128-256, 1x128x128, batch 64) on the portable wasm
// backend, and of the same model and step in PyTorch on the CPU, measured in the same run.
// No printing here: the CLI formats the returned data.
import * as os from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/wasm/init';
import { KernelProfiler, KernelTiming } from '../backend/wasm/kernelProfiler';
import { nativeKernelStatus } from '../backend/native/register';
import { autoReplicas, describeKernels, nativeThreads } from '../backend/native/replicas';
import { GradientExchange, WorkerPool, createExchangeBuffer } from '../backend/wasm/dataParallel';
import { ResNetEncoder } from '../models/resnet';
import { activationElements, checkBatchFits, WASM_HEAP_LIMIT_BYTES } from '../models/memoryEstimate';
import { runDataBench, type DataBenchResult } from './dataBench';
import { TorchPeer } from './torchPeer';
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

interface WorkerInit {
  kind: 'medssl-bench-worker';
  rank: number;
  world: number;
  batch: number;
  size: number;
  widths: [number, number, number, number];
  sab: SharedArrayBuffer | null;
  numParams: number;
  profile: boolean;
}

/** One replica: model, optimiser, synthetic batch; `step()` runs forward, backward, update. */
class Replica {
  readonly encoder: ResNetEncoder;
  readonly vars: tf.Variable[];
  readonly opt: tf.MomentumOptimizer;
  readonly x: tf.Tensor4D;
  exchange: GradientExchange | null = null;

  constructor(batch: number, size: number, widths: [number, number, number, number], seed: number) {
    this.encoder = new ResNetEncoder({ depth: 18, widths, inChannels: 1, seed: 0 });
    this.encoder.train();
    this.vars = this.encoder.trainableVariables();
    this.opt = tf.train.momentum(0.01, 0.9);
    this.x = tf.randomNormal([batch, size, size, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  }

  get numParams(): number {
    return this.vars.reduce((s, v) => s + v.size, 0);
  }

  /** Wall-clock of the parts of the last step (ms). */
  lastPhases: StepPhases = { forward_backward: 0, exchange: 0, exchange_wait: 0, update: 0, readback: 0 };

  async step(): Promise<number> {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const out = this.encoder.forward(this.x);
      const loss = tf.mean(tf.square(out.pooled)) as tf.Scalar;
      tf.dispose([out.stem, ...out.stages, out.pooled]);
      return loss;
    }, this.vars);
    const t1 = performance.now();
    const list = this.vars.map((v) => grads[v.name]);
    const avg = this.exchange ? this.exchange.allReduceMean(list) : list;
    const t2 = performance.now();
    this.opt.applyGradients(this.vars.map((v, i) => ({ name: v.name, tensor: avg[i] })));
    const t3 = performance.now();
    const loss = (await value.data())[0];
    tf.dispose([value, ...list]);
    if (avg !== list) tf.dispose(avg);
    const t4 = performance.now();
    this.lastPhases = {
      forward_backward: t1 - t0,
      exchange: t2 - t1,
      exchange_wait: this.exchange ? this.exchange.lastWaitMs : 0,
      update: t3 - t2,
      readback: t4 - t3,
    };
    return loss;
  }

  dispose(): void {
    this.x.dispose();
    this.opt.dispose();
    this.encoder.dispose();
  }
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Field-wise median of step phases. */
export function medianPhases(list: StepPhases[]): StepPhases {
  const m = (k: keyof StepPhases): number => (list.length ? median(list.map((p) => p[k])) : 0);
  return {
    forward_backward: m('forward_backward'),
    exchange: m('exchange'),
    exchange_wait: m('exchange_wait'),
    update: m('update'),
    readback: m('readback'),
  };
}

function profileRows(t: KernelTiming[], steps: number): NonNullable<BenchResult['profile']> {
  const total = t.reduce((s, e) => s + e.totalMs, 0) || 1;
  return t.map((e) => ({ kernel: e.kernel, ms_per_step: e.totalMs / steps, calls_per_step: e.calls / steps, share: e.totalMs / total }));
}

async function runWorker(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  let replica: Replica | null = null;
  const profiler = init.profile ? new KernelProfiler() : null;
  port.on('message', async (msg: { cmd: string }) => {
    try {
      if (msg.cmd === 'step' && replica) {
        const t0 = performance.now();
        const loss = await replica.step();
        port.postMessage({ type: 'step', ms: performance.now() - t0, loss, phases: replica.lastPhases });
      } else if (msg.cmd === 'profile-start') {
        profiler?.reset();
        profiler?.start();
        port.postMessage({ type: 'ok' });
      } else if (msg.cmd === 'profile-stop') {
        profiler?.stop();
        port.postMessage({ type: 'profile', timings: profiler ? profiler.report() : [] });
      } else if (msg.cmd === 'stop') {
        replica?.dispose();
        port.postMessage({ type: 'ok' });
      }
    } catch (e) {
      port.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  });
  try {
    tf.enableProdMode();
    await initWasmBackend({ threads: 1 });
    replica = new Replica(init.batch / init.world, init.size, init.widths, 1000 + init.rank);
    if (init.sab) replica.exchange = new GradientExchange(init.sab, init.rank, init.world, init.numParams);
    port.postMessage({ type: 'ready', numParams: replica.numParams });
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

if (!isMainThread && (workerData as WorkerInit | null)?.kind === 'medssl-bench-worker') {
  void runWorker(workerData as WorkerInit);
}

/** Parameters of the bench encoder (ResNet-18, 1-channel input, ImageNet stem), from the model's own count. */
function countParams(widths: [number, number, number, number]): number {
  return activationElements({ depth: 18, widths }, 32).params;
}

/** Our side, ready to step: one replica in process, or a pool of worker replicas in lock-step. */
interface OurStepper {
  mode: string;
  threads: number;
  /** One step (seconds, as timed by the caller's thread) and each replica's phases. */
  step(): Promise<{ dt: number; phases: StepPhases[] }>;
  profileStart(): Promise<void>;
  profileStop(): Promise<KernelTiming[] | undefined>;
  close(): Promise<void>;
}

async function startOurs(o: Required<Omit<BenchOptions, 'onProgress' | 'python' | 'torch' | 'data'>>): Promise<OurStepper> {
  const info = await initWasmBackend({ threads: 1 });
  const world = o.workers === 'auto' ? autoReplicas(os.availableParallelism?.() ?? os.cpus().length).replicas : o.workers;
  if (o.batch % world !== 0) throw new Error(`bench: batch ${o.batch} is not divisible by ${world} workers`);
  const fit = checkBatchFits({ depth: 18, widths: o.widths }, o.batch, o.size, WASM_HEAP_LIMIT_BYTES, { workers: world });
  if (!fit.ok) throw new Error(`bench: ${fit.message}`);
  const simd = info.simd ? 'SIMD' : 'no SIMD';
  if (world === 1) {
    const r = new Replica(o.batch, o.size, o.widths, 1000);
    const profiler = o.profile ? new KernelProfiler() : null;
    return {
      mode: `1 replica in process, ${describeKernels(info.simd)}`,
      threads: nativeThreads(),
      step: async () => {
        const t0 = performance.now();
        await r.step();
        return { dt: (performance.now() - t0) / 1000, phases: [r.lastPhases] };
      },
      profileStart: async () => profiler?.start(),
      profileStop: async () => {
        profiler?.stop();
        return profiler?.report();
      },
      close: async () => r.dispose(),
    };
  }
  const numParams = countParams(o.widths);
  const sab = createExchangeBuffer(numParams, world);
  const pool = new WorkerPool(__filename, world, (rank): WorkerInit => ({
    kind: 'medssl-bench-worker',
    rank,
    world,
    batch: o.batch,
    size: o.size,
    widths: o.widths,
    sab,
    numParams,
    profile: o.profile && rank === 0,
  }));
  try {
    const ready = await pool.receive();
    for (const r of ready) if (r.type !== 'ready') throw new Error(`worker did not start: ${JSON.stringify(r)}`);
    if (ready[0].numParams !== numParams) throw new Error(`bench: parameter count ${String(ready[0].numParams)} != ${numParams}`);
  } catch (e) {
    await pool.terminate();
    throw e;
  }
  return {
    mode: `${world} worker_threads x 1-thread wasm (${simd})${nativeKernelStatus().kernels === 'native' ? ' + 1-thread oneDNN kernels' : ''}, gradients averaged in a SharedArrayBuffer`,
    threads: world,
    step: async () => {
      const t0 = performance.now();
      const replies = await pool.request({ cmd: 'step' });
      return { dt: (performance.now() - t0) / 1000, phases: replies.map((r) => r.phases as StepPhases) };
    },
    profileStart: async () => {
      if (o.profile) await pool.request({ cmd: 'profile-start' });
    },
    profileStop: async () => (o.profile ? ((await pool.request({ cmd: 'profile-stop' }))[0].timings as KernelTiming[]) : undefined),
    close: async () => {
      try {
        await pool.request({ cmd: 'stop' });
      } finally {
        await pool.terminate();
      }
    },
  };
}

/**
 * Runs the benchmark. With the PyTorch peer, the two sides step in turn (ours, then the peer's, one
 * step each; never both at once), so that both see the same load on a shared machine.
 */
export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const o = {
    batch: opts.batch ?? 64,
    size: opts.size ?? 128,
    widths: opts.widths ?? ([32, 64, 128, 256] as [number, number, number, number]),
    steps: opts.steps ?? 5,
    warmup: opts.warmup ?? 2,
    workers: opts.workers ?? ('auto' as const),
    profile: opts.profile ?? false,
  };
  const progress = opts.onProgress ?? ((): void => undefined);
  const loadBefore = os.loadavg()[0];
  progress(`wasm: batch ${o.batch}, ${o.size}x${o.size}, widths ${o.widths.join('-')}`);
  const ours = await startOurs(o);
  let torch: TorchPeer | null = null;
  let reason: string | undefined;
  const steps: number[] = [];
  const peerSteps: number[] = [];
  const phases: StepPhases[][] = [];
  let timings: KernelTiming[] | undefined;
  try {
    if (opts.torch === false) reason = 'PyTorch peer disabled';
    else {
      progress(`PyTorch peer (${ours.threads} threads), interleaved step by step with ours`);
      const t = await TorchPeer.start({ ...o, threads: ours.threads, python: opts.python ?? '/usr/bin/python3' });
      if (typeof t === 'string') reason = t;
      else torch = t;
    }
    for (let i = 0; i < o.warmup + o.steps; i++) {
      const warm = i < o.warmup;
      if (i === o.warmup) await ours.profileStart();
      const s = await ours.step();
      let msg = `step ${i + 1}/${o.warmup + o.steps}${warm ? ' (warm-up)' : ''}: wasm ${s.dt.toFixed(2)} s`;
      if (!warm) {
        steps.push(s.dt);
        phases.push(s.phases);
      }
      if (torch) {
        try {
          const dt = await torch.step();
          msg += `, PyTorch ${dt.toFixed(2)} s`;
          if (!warm) peerSteps.push(dt);
        } catch (e) {
          reason = e instanceof Error ? e.message : String(e);
          torch.close();
          torch = null;
          peerSteps.length = 0;
        }
      }
      progress(msg);
    }
    timings = await ours.profileStop();
  } finally {
    torch?.close();
    await ours.close();
  }
  const med = median(steps);
  const ips = o.batch / med;
  const peer: BenchPeer | null =
    torch && peerSteps.length
      ? {
          name: torch.name,
          images_per_s: o.batch / median(peerSteps),
          best_images_per_s: o.batch / Math.min(...peerSteps),
          threads: torch.threads,
          step_s: peerSteps,
        }
      : null;
  const perReplica = phases.length ? phases[0].map((_, rank) => medianPhases(phases.map((p) => p[rank]))) : [];
  const oursR = { mode: ours.mode, threads: ours.threads, steps, phases: perReplica, profile: timings };
  const native = nativeKernelStatus();
  const result: BenchResult = {
    backend: 'wasm',
    kernels: native.kernels,
    ...(native.oneDnn ? { onednn: native.oneDnn } : {}),
    mode: oursR.mode,
    images_per_s: ips,
    best_images_per_s: o.batch / Math.min(...steps),
    threads: oursR.threads,
    batch: o.batch,
    size: o.size,
    widths: [...o.widths],
    step_s: steps,
    median_step_s: med,
    peer,
    ratio: peer ? ips / peer.images_per_s : null,
    ratio_best: peer ? o.batch / Math.min(...steps) / peer.best_images_per_s : null,
    phases: oursR.phases,
    load_avg: [loadBefore, os.loadavg()[0]],
    warnings: [],
  };
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const maxLoad = Math.max(...result.load_avg);
  if (maxLoad > cores * 0.75) {
    result.warnings.push(
      `the machine was busy (1-minute load average up to ${maxLoad.toFixed(1)} on ${cores} cores): ` +
        'both sides are slowed, PyTorch with 2 threads often much more; rerun on an idle machine for a fair ratio',
    );
  }
  if (reason) result.peer_reason = reason;
  if (opts.data !== false)
    result.data = await runDataBench({ size: o.size, batch: o.batch, trainingImagesPerS: ips, onProgress: progress });
  if (oursR.profile) result.profile = profileRows(oursR.profile, o.steps);
  return result;
}
