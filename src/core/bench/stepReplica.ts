// One bench replica (model, optimiser, synthetic batch) and the worker_threads side of the data-parallel
// bench: each worker steps its replica on request and reports the step time and its phases.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/wasm/init';
import { KernelProfiler, type KernelTiming } from '../backend/wasm/kernelProfiler';
import { GradientExchange } from '../backend/wasm/dataParallel';
import { ResNetEncoder } from '../models/resnet';
import type { BenchResult, StepPhases } from './benchResult';

export interface WorkerInit {
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
export class Replica {
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

export function median(a: number[]): number {
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

export function profileRows(t: KernelTiming[], steps: number): NonNullable<BenchResult['profile']> {
  const total = t.reduce((s, e) => s + e.totalMs, 0) || 1;
  return t.map((e) => ({ kernel: e.kernel, ms_per_step: e.totalMs / steps, calls_per_step: e.calls / steps, share: e.totalMs / total }));
}

export async function runWorker(init: WorkerInit): Promise<void> {
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
