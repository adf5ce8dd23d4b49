/**
 * Data-parallel pretraining over worker_threads (`pretrain.workers` > 1), the main thread's side: W
 * replicas (replicaWorker.ts), each a full MoCo with its own optimizer and queue, started from this
 * same file (or bundle) with workerData, as the benchmark does.
 *
 * The main thread keeps the run's one generator (the training loop draws each batch's views and key
 * permutation, the same draws as with one replica), cuts the batch into W equal shares and sends each
 * replica its share as transferable ArrayBuffers. Replicas run Moco.step with shared-memory
 * collectives: key outputs are all-gathered (the queue gets every key of the batch, in batch order),
 * gradients and running statistics (BatchNorm, whitening) are averaged, and every replica applies the
 * same update, so the replicas stay identical (checked by a checksum of every variable at each
 * checkpoint). What differs from one replica: query (and whitening) batch statistics are per share,
 * so losses and weights approximate, not equal, the single-replica run.
 *
 * Replica 0 saves checkpoints (its weights, optimizer state, queue), computes the diagnostics and runs
 * the NaN/Inf weight check. Every replica loads a checkpoint on resume.
 *
 * Failure: an error in a replica (or its exit) aborts the others' barriers at once; a barrier or a
 * request that gets no answer in time fails too. The run then fails with the replica's message.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { Slice } from '../data/volume';
import {
  REPLY_TYPE,
  type ReplicaBuffers,
  type ReplicaCommand,
  type ReplicaModelInfo,
  type ReplicaReplies,
  type ReplicaReply,
  type ReplicaReplyTo,
} from '../../protocol/replicas';
import {
  abortExchange,
  createAllGatherBuffer,
  createExchangeBuffer,
  DEFAULT_BARRIER_TIMEOUT_MS,
  WorkerPool,
} from '../backend/wasm/dataParallel';
import type { RngState } from '../util/rng';
import { readCheckpointState, type TrainState } from './checkpoint';
import type { BatchViews } from './data';
import type { Diagnostics } from './diagnostics';
import { REPLICA_WORKER_KIND, runReplicaWorker, type ReplicaWorkerInit, type WorkerFault } from './replicaWorker';
import { cutShares, type Replicas, type ReplicasStepResult } from './replicas';

export type { WorkerFault };

if (!isMainThread && (workerData as ReplicaWorkerInit | null)?.kind === REPLICA_WORKER_KIND) {
  tf.enableProdMode(); // no console advice from TensorFlow.js in a job's output
  void runReplicaWorker(workerData as ReplicaWorkerInit);
}

export class WorkerReplicas implements Replicas {
  private constructor(
    private readonly pool: WorkerPool<ReplicaCommand, ReplicaReply>,
    readonly world: number,
    readonly rngState: RngState,
    private readonly timeoutMs: number,
    readonly info: ReplicaModelInfo,
  ) {}

  /**
   * Starts `world` replicas of config `c` on `backend` ('wasm' or 'cpu'), each initialised exactly
   * like the single-process model; replica 0 computes diagnostics on `diagSlices` (plain objects).
   */
  static async start(
    c: ExperimentConfig,
    world: number,
    backend: string,
    diagSlices: Slice[],
    opts: { timeoutMs?: number; fault?: WorkerFault } = {},
  ): Promise<WorkerReplicas> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_BARRIER_TIMEOUT_MS;
    const buffers: Partial<ReplicaBuffers> = {};
    const abort = () => {
      for (const s of Object.values(buffers)) if (s) abortExchange(s);
    };
    const pool = new WorkerPool<ReplicaCommand, ReplicaReply>(
      __filename,
      world,
      (rank): ReplicaWorkerInit => ({
        kind: REPLICA_WORKER_KIND,
        rank,
        world,
        config: c,
        backend,
        diagSlices,
        timeoutMs,
        fault: opts.fault,
      }),
      { onFailure: abort },
    );
    try {
      const r0 = (await pool.receive(timeoutMs))[0];
      if (r0.type !== 'ready') throw new Error(`data-parallel worker 0: '${r0.type}' instead of 'ready'`);
      buffers.grads = createExchangeBuffer(r0.numParams, world);
      buffers.buffers = createExchangeBuffer(Math.max(1, r0.numBuffers), world);
      buffers.gather = createAllGatherBuffer(r0.gatherFloats, world);
      const all = buffers as ReplicaBuffers;
      const replicas = new WorkerReplicas(pool, world, r0.rng, timeoutMs, r0.info);
      await replicas.ask({ cmd: 'init', buffers: all, gatherFloats: r0.gatherFloats });
      return replicas;
    } catch (e) {
      abort();
      await pool.terminate();
      throw e;
    }
  }

  /** Sends a command to every replica (or to `rank`); each must answer with the reply the command names. */
  private async ask<C extends ReplicaCommand>(cmd: C, rank?: number): Promise<ReplicaReplyTo<C>[]> {
    const replies =
      rank === undefined ? await this.pool.request(cmd, this.timeoutMs) : [await this.pool.requestOne(rank, cmd, this.timeoutMs)];
    return expectReplies<C['cmd']>(cmd.cmd, replies);
  }

  async load(dir: string): Promise<TrainState> {
    const state = await readCheckpointState(dir);
    await this.ask({ cmd: 'load', dir });
    return state;
  }

  /** The shares are transferred, not copied. */
  async step(views: BatchViews, perm: number[], lr: number): Promise<ReplicasStepResult> {
    const shares = cutShares(views, perm, this.world);
    const cmds = shares.map((share) => ({ cmd: 'step' as const, share, lr }));
    const replies = expectReplies(
      'step',
      await this.pool.requestEach(
        cmds,
        shares.map((s) => [s.q, s.k]),
        this.timeoutMs,
      ),
    );
    return { ...replies[0].r, badWeight: replies[0].badWeight, workerTensors: replies.map((x) => x.numTensors) };
  }

  /** Replica 0 saves the checkpoint (its queue pointer goes into the state), once the replicas are checked identical. */
  async checkpoint(runDir: string, state: TrainState): Promise<string> {
    await this.assertIdentical(state.step);
    return (await this.ask({ cmd: 'checkpoint', runDir, state }, 0))[0].dir;
  }

  /** Replica 0 computes the diagnostics (encoder in evaluation mode, held-out slices). */
  async diagnose(step: number, epoch: number): Promise<Diagnostics> {
    return (await this.ask({ cmd: 'diagnose', step, epoch }, 0))[0].d;
  }

  /** A bit-exact checksum of every variable, the optimizer state and the queue of each replica. */
  async checksums(): Promise<string[]> {
    return (await this.ask({ cmd: 'checksum' })).map((r) => r.value);
  }

  /** Throws when the replicas are no longer identical. */
  async assertIdentical(step: number): Promise<void> {
    const s = await this.checksums();
    if (s.some((x) => x !== s[0]))
      throw new Error(`data-parallel replicas diverged at step ${step} (checksums ${s.join(', ')}); this is a bug`);
  }

  async close(): Promise<void> {
    try {
      await this.pool.request({ cmd: 'stop' }, 30_000);
    } catch {
      /* terminating anyway */
    }
    await this.pool.terminate();
  }
}

/** The replies to `cmd`, each checked to be the reply the protocol names for it. */
export function expectReplies<K extends ReplicaCommand['cmd']>(cmd: K, replies: ReplicaReply[]): ReplicaReplies[K][] {
  const want = REPLY_TYPE[cmd];
  for (const r of replies)
    if (r.type !== want) throw new Error(`data-parallel worker: '${r.type}' in answer to '${cmd}' (expected '${want}')`);
  return replies as ReplicaReplies[K][];
}
