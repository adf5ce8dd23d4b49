/**
 * The messages between a training run's main thread and its data-parallel replicas (worker_threads).
 * Both sides import these types; a command names its reply in {@link ReplicaReplyTo}, so the main
 * thread's requests are typed end to end. Image data travels as transferable ArrayBuffers.
 */
import type { ViewGeometry } from '../core/data/augment';
import type { MocoStepResult } from '../core/ssl/comm';
import type { TrainState } from '../core/train/checkpoint';
import type { Diagnostics } from '../core/train/diagnostics';
import type { RngState } from '../core/util/rng';

/** The SharedArrayBuffers the replicas reduce and gather through (created by the main thread). */
export interface ReplicaBuffers {
  grads: SharedArrayBuffer;
  buffers: SharedArrayBuffer;
  gather: SharedArrayBuffer;
}

/** One replica's share of a batch: its queries, the key views of its share of the permuted batch. */
export interface ReplicaShareMessage {
  /** Queries of images [rank·h, (rank+1)·h), [h, height, width, 1] float32. */
  q: ArrayBuffer;
  /** Key views of images perm[rank·h .. (rank+1)·h), same layout. */
  k: ArrayBuffer;
  h: number;
  height: number;
  width: number;
  /** (query view, key view) geometry of this replica's own images. */
  geometry: Array<[ViewGeometry, ViewGeometry]>;
  /** Inverse of the whole batch's key permutation: inv[perm[j]] = j. */
  inv: number[];
}

/** Model facts for the run's log. */
export interface ReplicaModelInfo {
  featureDim: number;
  params: number;
  featureSize: number[];
}

export type ReplicaCommand =
  | { cmd: 'init'; buffers: ReplicaBuffers; gatherFloats: number }
  | { cmd: 'load'; dir: string }
  | { cmd: 'step'; share: ReplicaShareMessage; lr: number }
  | { cmd: 'checkpoint'; runDir: string; state: TrainState }
  | { cmd: 'diagnose'; step: number; epoch: number }
  | { cmd: 'checksum' }
  | { cmd: 'stop' };

export interface ReplicaStepReply {
  type: 'step';
  r: MocoStepResult;
  /** Time of the step inside the replica (ms). */
  ms: number;
  /** The first NaN/Inf weight after the update (replica 0 only), or null. */
  badWeight: string | null;
  /** tf.memory().numTensors of the replica after the step. */
  numTensors: number;
}

/** The first message of every replica, once its model is initialised. */
export interface ReplicaReadyReply {
  type: 'ready';
  /** The state of Rng(seed) after drawing the initialisation (the main thread continues from it). */
  rng: RngState;
  numParams: number;
  numBuffers: number;
  /** Floats one replica contributes to the key all-gather. */
  gatherFloats: number;
  info: ReplicaModelInfo;
}

export type ReplicaReply =
  | ReplicaReadyReply
  | { type: 'ok' }
  | ReplicaStepReply
  | { type: 'checkpoint'; dir: string }
  | { type: 'diagnostics'; d: Diagnostics }
  | { type: 'checksum'; value: string }
  | { type: 'error'; message: string };

/** Which reply each command gets (besides `error`). */
export interface ReplicaReplies {
  init: { type: 'ok' };
  load: { type: 'ok' };
  step: ReplicaStepReply;
  checkpoint: { type: 'checkpoint'; dir: string };
  diagnose: { type: 'diagnostics'; d: Diagnostics };
  checksum: { type: 'checksum'; value: string };
  stop: { type: 'ok' };
}

export type ReplicaReplyTo<C extends ReplicaCommand> = ReplicaReplies[C['cmd']];

/** The reply type each command expects, checked by the main thread. */
export const REPLY_TYPE: { [K in keyof ReplicaReplies]: ReplicaReplies[K]['type'] } = {
  init: 'ok',
  load: 'ok',
  step: 'step',
  checkpoint: 'checkpoint',
  diagnose: 'diagnostics',
  checksum: 'checksum',
  stop: 'ok',
};
