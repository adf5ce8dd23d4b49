/**
 * Data-parallel pretraining over worker_threads (`pretrain.workers`): W replicas, each a full MoCo
 * (query and key encoders, projectors, local projector) with its own optimizer and queue on a
 * 1-thread backend of the process's kind (wasm; cpu in tests), started from this same file (or
 * bundle) with workerData, as the benchmark does.
 *
 * The main thread keeps the run's one generator: it draws the epoch order, the two views of every
 * image and the shuffled key-BN permutation exactly as the single-worker loop does (same draws in the
 * same order), cuts the batch into W equal shares and sends each replica its share as transferable
 * ArrayBuffers. Replicas run {@link Moco.stepReplica}: key outputs are all-gathered (the queue gets
 * every key of the batch, in batch order), gradients and buffers are averaged through
 * SharedArrayBuffers, and every replica applies the same update, so the replicas stay identical
 * (checked by a checksum of every variable at each checkpoint).
 *
 * Running statistics (BatchNorm, whitening) of both sides: averaged over the replicas after every step
 * (each replica saw its own share; the average is what every replica keeps).
 *
 * Replica 0 saves checkpoints (its weights, optimizer state, queue), computes the diagnostics and runs
 * the NaN/Inf weight check. Every replica loads a checkpoint on resume.
 *
 * Failure: an error in a replica (or its exit) aborts the others' barriers at once; a barrier or a
 * request that gets no answer in time fails too. The run then fails with the replica's message.
 */
import * as os from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { Slice } from '../data/volume';
import { abortExchange, AllGather, createAllGatherBuffer, createExchangeBuffer, DEFAULT_BARRIER_TIMEOUT_MS, GradientExchange, WorkerPool, type WorkerReply } from '../backend/wasm/dataParallel';
import { Moco, type MocoStepResult, type ReplicaComm } from '../ssl/moco';
import type { RngState } from '../util/rng';
import { Rng } from '../util/rng';
import { loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint';
import type { BatchViews } from './data';
import { viewAugment } from './data';
import { computeDiagnostics, type Diagnostics } from './diagnostics';
import { SgdMomentum } from './optimizer';
import { firstNonFinite, mocoOptions } from './mocoSetup';

const KIND = 'medssl-pretrain-worker';

/** How many replicas a run uses, and why (for the log). */
export function resolveWorkers(c: ExperimentConfig, backend: string, cores = os.availableParallelism?.() ?? os.cpus().length): { workers: number; note: string } {
  const req = c.pretrain.workers;
  const B = c.pretrain.batchSize;
  if (req === 1) return { workers: 1, note: 'single worker' };
  if (backend !== 'wasm' && backend !== 'cpu') {
    return { workers: 1, note: `single worker: pretrain.workers = ${String(req)} applies to the wasm backend; '${backend}' uses its own threads` };
  }
  if (req === 'auto') {
    if (backend !== 'wasm') return { workers: 1, note: `single worker: 'auto' uses worker threads on the wasm backend only (backend '${backend}')` };
    const n = Math.max(1, Math.min(2, cores));
    if (n === 1) return { workers: 1, note: 'single worker: one core' };
    if (B % n !== 0) return { workers: 1, note: `single worker: batch ${B} does not split into ${n} equal shares` };
    return { workers: n, note: `${n} workers ('auto', ${cores} cores)` };
  }
  if (!Number.isInteger(req) || req < 1) throw new Error(`pretrain.workers: ${String(req)} is not a positive integer or 'auto'`);
  if (B % req !== 0) throw new Error(`pretrain.workers: batch ${B} does not split into ${req} equal shares; use a batch size divisible by ${req}`);
  return { workers: req, note: `${req} workers` };
}

interface WorkerInit {
  kind: typeof KIND;
  rank: number;
  world: number;
  config: ExperimentConfig;
  backend: string;
  diagSlices: Slice[];
  timeoutMs: number;
  fault?: WorkerFault;
}

/** Tests only: make one replica fail at a step (throw an error, or exit the thread). */
export interface WorkerFault {
  rank: number;
  step: number;
  kind: 'throw' | 'exit';
}

interface Sabs {
  grads: SharedArrayBuffer;
  buffers: SharedArrayBuffer;
  gather: SharedArrayBuffer;
}

/** FNV-1a over the bytes of every variable (both sides, optimizer state, queue) in store order: bit-exact. */
function checksum(moco: Moco, opt: SgdMomentum): string {
  let h = 0x811c9dc5;
  const all = [...moco.query.store.list(), ...moco.key.store.list(), ...opt.state.list()].map((e) => e.variable as tf.Tensor);
  all.push(moco.queue.keys);
  for (const v of all) {
    const f = v.dataSync() as Float32Array;
    const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
    for (let i = 0; i < u.length; i++) {
      h ^= u[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return `${h.toString(16)}:${moco.queue.ptr}`;
}

async function runWorker(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  let moco: Moco | null = null;
  let opt: SgdMomentum | null = null;
  let comm: ReplicaComm | null = null;
  const c = init.config;
  const aug = viewAugment(c);
  let steps = 0;
  const handle = async (msg: Record<string, unknown>): Promise<WorkerReply> => {
    switch (msg.cmd) {
      case 'init': {
        const s = msg.sabs as Sabs;
        const g = new GradientExchange(s.grads, init.rank, init.world, moco!.query.store.numElements('param'));
        const b = new GradientExchange(s.buffers, init.rank, init.world, moco!.query.store.numElements('buffer') + moco!.key.store.numElements('buffer'));
        const a = new AllGather(s.gather, init.rank, init.world, msg.gatherFloats as number);
        for (const x of [g, b, a]) x.timeoutMs = init.timeoutMs;
        comm = { gather: (t) => a.gather(t), meanGrads: (ts) => g.allReduceMean(ts), meanBuffers: (ts) => b.allReduceMean(ts) };
        return { type: 'ok' };
      }
      case 'load':
        await loadCheckpoint(msg.dir as string, moco!, opt!);
        return { type: 'ok' };
      case 'step': {
        steps++;
        const f = init.fault;
        if (f && f.rank === init.rank && f.step === steps) {
          if (f.kind === 'exit') process.exit(3);
          throw new Error(`injected failure at step ${steps}`);
        }
        const h = msg.h as number;
        const [H, W] = [msg.height as number, msg.width as number];
        const xq = tf.tensor4d(new Float32Array(msg.q as ArrayBuffer), [h, H, W, 1]);
        const xk = tf.tensor4d(new Float32Array(msg.k as ArrayBuffer), [h, H, W, 1]);
        try {
          const t0 = performance.now();
          const r = moco!.stepReplica({ rank: init.rank, world: init.world, xq, xk, geometry: msg.geometry as never, inv: msg.inv as number[] }, comm!, opt!, msg.lr as number);
          const ms = performance.now() - t0;
          const badWeight = init.rank === 0 && Number.isFinite(r.total) ? firstNonFinite(moco!) : null;
          return { type: 'step', r, ms, badWeight, numTensors: tf.memory().numTensors + 0 };
        } finally {
          tf.dispose([xq, xk]);
        }
      }
      case 'checkpoint': {
        const state = { ...(msg.state as TrainState), queuePtr: moco!.queue.ptr };
        const dir = await saveCheckpoint(msg.runDir as string, moco!, opt!, state);
        return { type: 'ok', dir };
      }
      case 'diagnose': {
        const d = computeDiagnostics(moco!, init.diagSlices, aug, c.seed, c.pretrain.batchSize, msg.step as number, msg.epoch as number);
        return { type: 'diagnostics', d };
      }
      case 'checksum':
        return { type: 'checksum', value: checksum(moco!, opt!) };
      case 'stop':
        moco?.dispose();
        opt?.dispose();
        moco = null;
        opt = null;
        return { type: 'ok' };
      default:
        throw new Error(`unknown command ${String(msg.cmd)}`);
    }
  };
  // One message at a time, in order.
  let chain = Promise.resolve();
  port.on('message', (msg: Record<string, unknown>) => {
    chain = chain.then(async () => {
      try {
        port.postMessage(await handle(msg));
      } catch (e) {
        port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  try {
    if (init.backend === 'wasm') {
      const { initWasmBackend } = await import('../backend/wasm/init');
      await initWasmBackend({ threads: 1 });
    } else if (!(await tf.setBackend(init.backend))) {
      throw new Error(`backend '${init.backend}' could not start in a worker`);
    }
    await tf.ready();
    // The same initialisation as the single-worker run: Rng(seed) through the model and the queue.
    const rng = new Rng(c.seed);
    moco = new Moco(mocoOptions(c), rng);
    opt = new SgdMomentum(moco.trainableParams(), c.pretrain.momentum, c.pretrain.weightDecay);
    const enc = moco.query.encoder;
    const h = c.pretrain.batchSize / init.world;
    const keyFloats = h * (enc.featureDim + (c.ssl.local.enabled ? moco.featureSize[0] * moco.featureSize[1] * enc.config.stageChannels[c.ssl.local.stage - 1] : 0));
    port.postMessage({
      type: 'ready',
      rng: rng.getState(),
      numParams: moco.query.store.numElements('param'),
      numBuffers: moco.query.store.numElements('buffer') + moco.key.store.numElements('buffer'),
      gatherFloats: Math.max(keyFloats, 8),
      info: { featureDim: enc.featureDim, params: moco.query.store.numElements('param'), featureSize: moco.featureSize },
    });
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

if (!isMainThread && (workerData as WorkerInit | null)?.kind === KIND) {
  tf.enableProdMode(); // no console advice from TensorFlow.js in a job's output
  void runWorker(workerData as WorkerInit);
}

export interface ReplicaStepResult extends MocoStepResult {
  /** The NaN/Inf weight found by replica 0 after the update, if any. */
  badWeight: string | null;
  /** tf.memory().numTensors of every replica after the step. */
  workerTensors: number[];
}

/** Main-thread handle on the replicas. */
export class ParallelReplicas {
  private constructor(
    private readonly pool: WorkerPool,
    private readonly sabs: Sabs,
    readonly world: number,
    readonly rngState: RngState,
    private readonly timeoutMs: number,
    /** Model facts for the log (from replica 0). */
    readonly info: { featureDim: number; params: number; featureSize: number[] },
  ) {}

  /**
   * Starts `world` replicas of config `c` on `backend` ('wasm' or 'cpu'), each initialised exactly
   * like the single-worker model. `rngState`: the run generator's state after that initialisation.
   */
  static async start(c: ExperimentConfig, world: number, backend: string, diagSlices: Slice[], opts: { timeoutMs?: number; fault?: WorkerFault } = {}): Promise<ParallelReplicas> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS;
    const sabs: Partial<Sabs> = {};
    const abort = () => {
      for (const s of Object.values(sabs)) if (s) abortExchange(s);
    };
    const pool = new WorkerPool(__filename, world, (rank): WorkerInit => ({ kind: KIND, rank, world, config: c, backend, diagSlices, timeoutMs, fault: opts.fault }), { onFailure: abort });
    try {
      const ready = await pool.receive(timeoutMs);
      const r0 = ready[0];
      sabs.grads = createExchangeBuffer(r0.numParams as number, world);
      sabs.buffers = createExchangeBuffer(Math.max(1, r0.numBuffers as number), world);
      sabs.gather = createAllGatherBuffer(r0.gatherFloats as number, world);
      await pool.request({ cmd: 'init', sabs, gatherFloats: r0.gatherFloats }, timeoutMs);
      return new ParallelReplicas(pool, sabs as Sabs, world, r0.rng as RngState, timeoutMs, r0.info as ParallelReplicas['info']);
    } catch (e) {
      abort();
      await pool.terminate();
      throw e;
    }
  }

  /** Every replica loads the checkpoint folder. */
  async load(dir: string): Promise<void> {
    await this.pool.request({ cmd: 'load', dir }, this.timeoutMs);
  }

  /**
   * One step: `views` of the whole batch (drawn by the caller), `perm` the key-BN permutation of the
   * batch (identity when not shuffling). The shares are transferred, not copied.
   */
  async step(views: BatchViews, perm: number[], lr: number): Promise<ReplicaStepResult> {
    const W = this.world;
    const N = views.n;
    const h = N / W;
    const px = views.height * views.width;
    const inv = new Array<number>(N);
    perm.forEach((p, i) => (inv[p] = i));
    const msgs: unknown[] = [];
    const transfer: ArrayBuffer[][] = [];
    for (let r = 0; r < W; r++) {
      const q = views.q.slice(r * h * px, (r + 1) * h * px);
      const k = new Float32Array(h * px);
      for (let j = 0; j < h; j++) {
        const src = perm[r * h + j];
        k.set(views.k.subarray(src * px, (src + 1) * px), j * px);
      }
      msgs.push({ cmd: 'step', q: q.buffer, k: k.buffer, h, height: views.height, width: views.width, geometry: views.geometry.slice(r * h, (r + 1) * h), inv, lr });
      transfer.push([q.buffer, k.buffer]);
    }
    const replies = await this.pool.requestEach(msgs, transfer, this.timeoutMs);
    const r0 = replies[0];
    return { ...(r0.r as MocoStepResult), badWeight: r0.badWeight as string | null, workerTensors: replies.map((x) => x.numTensors as number) };
  }

  /** Replica 0 saves the checkpoint (its queue pointer goes into the state). */
  async checkpoint(runDir: string, state: TrainState): Promise<string> {
    return (await this.pool.requestOne(0, { cmd: 'checkpoint', runDir, state }, this.timeoutMs)).dir as string;
  }

  /** Replica 0 computes the diagnostics (encoder in evaluation mode, held-out slices). */
  async diagnose(step: number, epoch: number): Promise<Diagnostics> {
    return (await this.pool.requestOne(0, { cmd: 'diagnose', step, epoch }, this.timeoutMs)).d as Diagnostics;
  }

  /** A bit-exact checksum of every variable, the optimizer state and the queue of each replica. */
  async checksums(): Promise<string[]> {
    return (await this.pool.request({ cmd: 'checksum' }, this.timeoutMs)).map((r) => r.value as string);
  }

  /** Throws when the replicas are no longer identical. */
  async assertIdentical(step: number): Promise<void> {
    const s = await this.checksums();
    if (s.some((x) => x !== s[0])) throw new Error(`data-parallel replicas diverged at step ${step} (checksums ${s.join(', ')}); this is a bug`);
  }

  async close(): Promise<void> {
    try {
      await this.pool.request({ cmd: 'stop' }, 30_000);
    } catch {
      /* terminating anyway */
    }
    await this.pool.terminate();
  }

  /** Terminates without asking (after a failure). */
  async kill(): Promise<void> {
    for (const s of Object.values(this.sabs)) abortExchange(s);
    await this.pool.terminate();
  }
}
