// `medssl bench`: images/s of one full training step (forward, backward, SGD momentum update) of the
// product's ResNet-18-shaped encoder (widths 32-64-128-256, 1x128x128, batch 64) on the portable wasm
// backend, and of the same model and step in PyTorch on the CPU, measured in the same run.
// No printing here: the CLI formats the returned data.
import * as os from 'node:os';
import { isMainThread, workerData } from 'node:worker_threads';
import { initWasmBackend } from '../backend/wasm/init';
import { KernelProfiler, KernelTiming } from '../backend/wasm/kernelProfiler';
import { nativeKernelStatus } from '../backend/native/register';
import { autoReplicas, describeKernels, nativeThreads } from '../backend/native/replicas';
import { WorkerPool, createExchangeBuffer } from '../backend/wasm/dataParallel';
import { activationElements, checkBatchFits, WASM_HEAP_LIMIT_BYTES } from '../models/memoryEstimate';
import type { BenchOptions, BenchPeer, BenchResult, StepPhases } from './benchResult';
import { runDataBench } from './dataBench';
import { median, medianPhases, profileRows, Replica, runWorker, type WorkerInit } from './stepReplica';
import { TorchPeer } from './torchPeer';

export type { BenchOptions, BenchPeer, BenchResult, StepPhases } from './benchResult';
export { medianPhases } from './stepReplica';

// This module is the bench worker's entry file (WorkerPool below starts workers on __filename).
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
