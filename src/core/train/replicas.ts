/**
 * The replicas a pretraining run trains with, whatever their number: one in this process
 * (localReplicas.ts) or W worker threads (workerReplicas.ts), behind one interface, so the training
 * loop is the same for both. The loop keeps the run's one generator and draws, in this order, each
 * batch's views and its key permutation; {@link cutShares} gives each replica its share.
 */
import * as os from 'node:os';
import type { ExperimentConfig } from '../config/types';
import type { ReplicaModelInfo, ReplicaShareMessage } from '../../protocol/replicas';
import type { MocoStepResult } from '../ssl/comm';
import type { Rng, RngState } from '../util/rng';
import type { TrainState } from './checkpoint';
import type { BatchViews } from './data';
import type { Diagnostics } from './diagnostics';

export interface ReplicasStepResult extends MocoStepResult {
  /** The first NaN/Inf weight after the update (replica 0), if any. */
  badWeight: string | null;
  /** tf.memory().numTensors of every replica after the step. */
  workerTensors: number[];
}

export interface Replicas {
  readonly world: number;
  /** The run generator's state after the model's initialisation (Rng(seed) through the model and the queue). */
  readonly rngState: RngState;
  /** Model facts for the log. */
  readonly info: ReplicaModelInfo;
  /** One step on the batch `views` with key permutation `perm` (identity when not shuffling). */
  step(views: BatchViews, perm: number[], lr: number): Promise<ReplicasStepResult>;
  /** Saves a checkpoint (replica 0, once the replicas are checked identical); returns its folder. */
  checkpoint(runDir: string, state: TrainState): Promise<string>;
  /** Collapse diagnostics on the held-out slices given at start (replica 0). */
  diagnose(step: number, epoch: number): Promise<Diagnostics>;
  /** Every replica loads the checkpoint folder; returns its saved state. */
  load(dir: string): Promise<TrainState>;
  close(): Promise<void>;
}

/** How many replicas a run uses, and why (for the log). */
export function resolveWorkers(
  c: ExperimentConfig,
  backend: string,
  cores = os.availableParallelism?.() ?? os.cpus().length,
): { workers: number; note: string } {
  const req = c.pretrain.workers;
  const B = c.pretrain.batchSize;
  if (req === 1) return { workers: 1, note: 'single worker' };
  if (backend !== 'wasm' && backend !== 'cpu') {
    return {
      workers: 1,
      note: `single worker: pretrain.workers = ${String(req)} applies to the wasm backend; '${backend}' uses its own threads`,
    };
  }
  if (req === 'auto') {
    if (backend !== 'wasm')
      return { workers: 1, note: `single worker: 'auto' uses worker threads on the wasm backend only (backend '${backend}')` };
    const n = Math.max(1, Math.min(2, cores));
    if (n === 1) return { workers: 1, note: 'single worker: one core' };
    if (B % n !== 0) return { workers: 1, note: `single worker: batch ${B} does not split into ${n} equal shares` };
    return { workers: n, note: `${n} workers ('auto', ${cores} cores)` };
  }
  if (!Number.isInteger(req) || req < 1) throw new Error(`pretrain.workers: ${String(req)} is not a positive integer or 'auto'`);
  if (B % req !== 0)
    throw new Error(`pretrain.workers: batch ${B} does not split into ${req} equal shares; use a batch size divisible by ${req}`);
  return { workers: req, note: `${req} workers` };
}

/** The key-BN permutation of a batch of `n`: shuffled for 'shuffle' (drawn from `rng`), else the identity. */
export function keyPermutation(n: number, mode: ExperimentConfig['ssl']['shuffleBn'], rng: Rng): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  if (mode === 'shuffle' && n >= 2) rng.shuffle(perm);
  return perm;
}

/**
 * Cuts a batch into `world` equal shares: replica r gets the queries of images [r·h, (r+1)·h), the
 * key views of images perm[r·h .. (r+1)·h) and the inverse permutation of the whole batch. Each share
 * owns its ArrayBuffers (they can be transferred).
 */
export function cutShares(views: BatchViews, perm: number[], world: number): ReplicaShareMessage[] {
  const N = views.n;
  if (perm.length !== N) throw new Error(`cutShares: permutation of ${perm.length} for ${N} images`);
  if (N % world !== 0) throw new Error(`cutShares: ${N} images do not split into ${world} equal shares`);
  const h = N / world;
  const px = views.height * views.width;
  const inv = new Array<number>(N);
  perm.forEach((p, i) => (inv[p] = i));
  const shares: ReplicaShareMessage[] = [];
  for (let r = 0; r < world; r++) {
    const q = views.q.slice(r * h * px, (r + 1) * h * px);
    const k = new Float32Array(h * px);
    for (let j = 0; j < h; j++) {
      const src = perm[r * h + j];
      k.set(views.k.subarray(src * px, (src + 1) * px), j * px);
    }
    shares.push({
      q: q.buffer,
      k: k.buffer,
      h,
      height: views.height,
      width: views.width,
      geometry: views.geometry.slice(r * h, (r + 1) * h),
      inv,
    });
  }
  return shares;
}
