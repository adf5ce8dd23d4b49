/**
 * Collective operations between the replicas of one MoCo step, after solo-learn's `gather()`: the
 * same step code runs in one process (the identity, {@link SOLO}) and across W data-parallel
 * replicas (all-gather of keys, averaged gradients and running statistics; train/replicaWorker.ts
 * implements them over SharedArrayBuffers).
 */
import type * as tf from '@tensorflow/tfjs';

export interface MocoStepResult {
  total: number;
  global: number;
  /** NaN when the local loss is off or every pair was skipped. */
  local: number;
  top1: number;
  /** Images whose views overlapped too little for the local loss. */
  localSkipped: number;
}

export interface ReplicaComm {
  readonly rank: number;
  readonly world: number;
  /**
   * Every replica's tensors (float32, the same shapes everywhere), each concatenated along axis 0
   * in rank order. Alone: the tensors themselves (not copies).
   */
  gather(ts: tf.Tensor[]): tf.Tensor[];
  /** Every replica's row of numbers, in rank order. Alone: `[row]`. */
  gatherNumbers(row: number[]): number[][];
  /** Element-wise mean over replicas of the gradients (new tensors). Alone: the same tensors. */
  meanGrads(grads: tf.Tensor[]): tf.Tensor[];
  /** Replaces each variable by its mean over the replicas (running statistics). Alone: nothing. */
  meanBuffers(vars: tf.Variable[]): void;
}

/** One process: every collective is the identity. */
export const SOLO: ReplicaComm = {
  rank: 0,
  world: 1,
  gather: (ts) => ts,
  gatherNumbers: (row) => [row],
  meanGrads: (grads) => grads,
  meanBuffers: () => undefined,
};

/** One replica's numbers of a step, as exchanged (see {@link combineReplicaNumbers}). */
export interface ReplicaNumbers {
  total: number;
  global: number;
  local: number;
  top1: number;
  /** Images with a local loss (the weight of `local` in the batch mean). */
  localImages: number;
  localSkipped: number;
}

export function numbersRow(n: ReplicaNumbers): number[] {
  return [n.total, n.global, Number.isNaN(n.local) ? 0 : n.local, n.top1, n.localImages, n.localSkipped, Number.isFinite(n.total) ? 1 : 0];
}

/**
 * The batch's losses from every replica's row (rank order): global loss and top-1 are means over the
 * equal shares, the local loss a mean weighted by each share's images with a local loss, and the
 * step is applied only when every replica's loss is finite (all replicas take the same decision).
 * One row is the whole batch: its numbers are returned as the loss computed them, unchanged.
 */
export function combineReplicaNumbers(rows: number[][], own: ReplicaNumbers, localWeight: number): MocoStepResult & { finite: boolean } {
  if (rows.length === 1) {
    return {
      total: own.total,
      global: own.global,
      local: own.local,
      top1: own.top1,
      localSkipped: own.localSkipped,
      finite: Number.isFinite(own.total),
    };
  }
  let gSum = 0,
    tSum = 0,
    lSum = 0,
    vSum = 0,
    skSum = 0;
  let finite = true;
  for (const row of rows) {
    gSum += row[1];
    lSum += row[2] * row[4];
    tSum += row[3];
    vSum += row[4];
    skSum += row[5];
    if (row[6] !== 1) finite = false;
  }
  const global = gSum / rows.length;
  const local = vSum > 0 ? lSum / vSum : Number.NaN;
  const total = finite ? global + (Number.isNaN(local) ? 0 : localWeight * local) : Number.NaN;
  return { total, global, local, top1: tSum / rows.length, localSkipped: skSum, finite };
}
