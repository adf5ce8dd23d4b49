/**
 * One training replica: a MoCo model, its optimizer and the collectives it steps with. The same class
 * runs in the training process (alone, {@link SOLO}) and in each data-parallel worker thread, so the
 * step, the checkpoint, the weight check and the diagnostics exist once.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { Slice } from '../data/volume';
import type { ReplicaModelInfo, ReplicaShareMessage, ReplicaStepReply } from '../../protocol/replicas';
import type { ReplicaComm } from '../ssl/comm';
import { loadTorchvisionEncoder } from '../export/torchvisionImport';
import { copyVariables } from '../models/module';
import { Moco } from '../ssl/moco';
import { Rng, type RngState } from '../util/rng';
import { loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint';
import { viewAugment } from './data';
import { computeDiagnostics, type Diagnostics } from './diagnostics';
import { firstNonFinite, mocoOptions } from './mocoSetup';
import { SgdMomentum } from './optimizer';

export class Replica {
  readonly moco: Moco;
  readonly opt: SgdMomentum;
  /** The state of the generator after drawing the initialisation. */
  readonly rngState: RngState;
  private comm: ReplicaComm;

  /** Every replica draws the same initialisation from Rng(seed), as a single-process run does. */
  constructor(
    private readonly c: ExperimentConfig,
    comm: ReplicaComm,
  ) {
    const rng = new Rng(c.seed);
    this.moco = new Moco(mocoOptions(c), rng);
    if (c.model.init) {
      // Both sides start from the file (the key encoder is a copy of the query encoder at step 0).
      loadTorchvisionEncoder(this.moco.query.encoder, c.model.init.from);
      copyVariables(this.moco.key.encoder, this.moco.query.encoder);
    }
    this.opt = new SgdMomentum(this.moco.trainableParams(), c.pretrain.momentum, c.pretrain.weightDecay);
    this.rngState = rng.getState();
    this.comm = comm;
  }

  /** The collectives are set once the shared buffers exist (they are sized from the model). */
  connect(comm: ReplicaComm): void {
    this.comm = comm;
  }

  get info(): ReplicaModelInfo {
    return {
      featureDim: this.moco.query.encoder.featureDim,
      params: this.moco.query.store.numElements('param'),
      featureSize: this.moco.featureSize,
    };
  }

  /** Floats of this replica's key encoder outputs that the all-gather carries (pooled features, and the stage map with the local loss). */
  keyFloats(): number {
    const enc = this.moco.query.encoder;
    const local = this.c.ssl.local;
    const h = this.c.pretrain.batchSize / this.comm.world;
    return (
      h *
      (enc.featureDim +
        (local.enabled ? this.moco.featureSize[0] * this.moco.featureSize[1] * enc.config.stageChannels[local.stage - 1] : 0))
    );
  }

  /** One step on this replica's share; replica 0 checks the weights for NaN/Inf after a finite update. */
  async step(s: ReplicaShareMessage, lr: number): Promise<ReplicaStepReply> {
    const xq = tf.tensor4d(new Float32Array(s.q), [s.h, s.height, s.width, 1]);
    const xk = tf.tensor4d(new Float32Array(s.k), [s.h, s.height, s.width, 1]);
    try {
      const t0 = performance.now();
      const r = await this.moco.step({ xq, xk, geometry: s.geometry, inv: s.inv }, this.comm, this.opt, lr);
      const ms = performance.now() - t0;
      const badWeight = this.comm.rank === 0 && Number.isFinite(r.total) ? await firstNonFinite(this.moco) : null;
      return { type: 'step', r, ms, badWeight, numTensors: tf.memory().numTensors };
    } finally {
      tf.dispose([xq, xk]);
    }
  }

  /** Saves a checkpoint with this replica's queue pointer; returns its folder. */
  checkpoint(runDir: string, state: TrainState): Promise<string> {
    return saveCheckpoint(runDir, this.moco, this.opt, { ...state, queuePtr: this.moco.queue.ptr });
  }

  load(dir: string): Promise<TrainState> {
    return loadCheckpoint(dir, this.moco, this.opt);
  }

  diagnose(slices: Slice[], step: number, epoch: number): Promise<Diagnostics> {
    return computeDiagnostics(this.moco, slices, viewAugment(this.c), this.c.seed, this.c.pretrain.batchSize, step, epoch);
  }

  /** FNV-1a over the bytes of every variable (both sides, optimizer state, queue) in store order: bit-exact. */
  async checksum(): Promise<string> {
    let h = 0x811c9dc5;
    const all = [...this.moco.query.store.list(), ...this.moco.key.store.list(), ...this.opt.state.list()].map(
      (e) => e.variable as tf.Tensor,
    );
    all.push(this.moco.queue.keys);
    for (const v of all) {
      const f = (await v.data()) as Float32Array;
      const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
      for (let i = 0; i < u.length; i++) {
        h ^= u[i];
        h = Math.imul(h, 0x01000193) >>> 0;
      }
    }
    return `${h.toString(16)}:${this.moco.queue.ptr}`;
  }

  dispose(): void {
    this.moco.dispose();
    this.opt.dispose();
  }
}
