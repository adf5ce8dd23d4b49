/** The one replica of a single-process run: the model lives here, every collective is the identity. */
import type { ExperimentConfig } from '../config/types';
import type { Slice } from '../data/volume';
import { SOLO } from '../ssl/comm';
import type { TrainState } from './checkpoint';
import type { BatchViews } from './data';
import type { Diagnostics } from './diagnostics';
import { Replica } from './replica';
import { cutShares, type Replicas, type ReplicasStepResult } from './replicas';

export class LocalReplicas implements Replicas {
  readonly world = 1;
  private readonly replica: Replica;

  constructor(
    c: ExperimentConfig,
    private readonly diagSlices: Slice[],
  ) {
    this.replica = new Replica(c, SOLO);
  }

  get rngState() {
    return this.replica.rngState;
  }

  get info() {
    return this.replica.info;
  }

  /** The model itself (tests). */
  get moco() {
    return this.replica.moco;
  }

  async step(views: BatchViews, perm: number[], lr: number): Promise<ReplicasStepResult> {
    const reply = await this.replica.step(cutShares(views, perm, 1)[0], lr);
    return { ...reply.r, badWeight: reply.badWeight, workerTensors: [reply.numTensors] };
  }

  checkpoint(runDir: string, state: TrainState): Promise<string> {
    return this.replica.checkpoint(runDir, state);
  }

  async diagnose(step: number, epoch: number): Promise<Diagnostics> {
    return this.replica.diagnose(this.diagSlices, step, epoch);
  }

  load(dir: string): Promise<TrainState> {
    return this.replica.load(dir);
  }

  async close(): Promise<void> {
    this.replica.dispose();
  }
}
