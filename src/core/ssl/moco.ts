/**
 * MoCo v2 (+ local feature learning, + whitening through the encoder config), one step for one
 * process or for each of W data-parallel replicas: the difference is only the {@link ReplicaComm}
 * (the identity {@link SOLO} in one process).
 *
 * Query side: encoder → projector (→ 128-d, L2-normalised); local projector on pooled regions.
 * Key side: a second copy of the same modules in its own store, updated as an exponential moving
 * average of the query side (parameters; BatchNorm and whitening running statistics copied along),
 * never by gradients. Step (MoCo's order): momentum update of the key side, keys without gradient,
 * queries with gradient, loss = global InfoNCE + λ·local InfoNCE, SGD update, enqueue the keys.
 *
 * Shuffled key BatchNorm: BatchNorm over the whole batch is invariant to a permutation, so shuffling
 * alone would change nothing. The caller draws a permutation of the batch ('shuffle', the default;
 * the identity for 'subbatch' and 'none') and hands each replica the key views of its share of the
 * permuted batch. The key encoder runs on key groups, each with its own batch statistics, like MoCo's
 * GPUs: W replicas are W groups (one share each); one process runs its batch as two sub-batches
 * ('none': one). The key outputs (pooled features and, with the local loss, the stage map) are
 * all-gathered and un-permuted, so every replica projects the whole batch's keys identically and the
 * queue receives them in batch order. The query encoder sees the replica's own images in batch order,
 * so query and key never share statistics and no key statistic follows a fixed group of images.
 * Gradients and running statistics of both sides are averaged over the replicas, so every replica
 * applies the same update and stays identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { ViewGeometry } from '../data/augment';
import { copyVariables, emaUpdate, Module, ParamStore, type NamedVariable } from '../models/module';
import { l2Normalize, Projector } from '../models/projector';
import { ResNetEncoder, stageSpatialSizes, type EncoderOutput, type ResNetConfig } from '../models/resnet';
import type { SgdMomentum } from '../train/optimizer';
import { Rng } from '../util/rng';
import { combineReplicaNumbers, numbersRow, type MocoStepResult, type ReplicaComm } from './comm';
import { infoNce, top1Class0 } from './infoNCE';
import { disposePlan, localInfoNce, planLocal, poolRegions, type LocalPlan } from './localLoss';
import { KeyQueue } from './queue';

export interface MocoLocalOptions {
  enabled: boolean;
  weight: number;
  temperature: number;
  grid: number;
  minOverlap: number;
  stage: 1 | 2 | 3 | 4;
  crossImageNegatives: boolean;
  projectorDim: number;
}

export interface MocoOptions {
  encoder: Partial<ResNetConfig>;
  projector: { hiddenDim?: number; outDim: number };
  queueSize: number;
  momentum: number;
  temperature: number;
  shuffleBn: 'shuffle' | 'subbatch' | 'none';
  local: MocoLocalOptions;
  batchSize: number;
  /** View size (square) — to know the feature-map size of the local stage. */
  inputSize: number;
}

/** The modules of one side (query or key), in one store. */
export class MocoSide {
  readonly store: ParamStore;
  readonly encoder: ResNetEncoder;
  readonly projector: Projector;
  readonly localProjector: Projector | null;

  constructor(o: MocoOptions, rng: Rng) {
    this.store = new ParamStore(rng);
    this.encoder = new ResNetEncoder(o.encoder, this.store.scope('encoder'));
    this.projector = new Projector(
      { inDim: this.encoder.featureDim, hiddenDim: o.projector.hiddenDim, outDim: o.projector.outDim },
      this.store.scope('projector'),
    );
    if (o.local.enabled) {
      const c = this.encoder.config.stageChannels[o.local.stage - 1];
      this.localProjector = new Projector({ inDim: c, hiddenDim: c, outDim: o.local.projectorDim }, this.store.scope('localProjector'));
    } else {
      this.localProjector = null;
    }
  }

  modules(): Module[] {
    return this.localProjector ? [this.encoder, this.projector, this.localProjector] : [this.encoder, this.projector];
  }

  train(on: boolean): void {
    for (const m of this.modules()) m.train(on);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export interface MocoBatch {
  /** Queries of this replica's images [N, H, W, 1] (alone: the whole batch, in batch order). */
  xq: tf.Tensor4D;
  /** Key views of this replica's share of the permuted batch [N, H, W, 1]: images perm[rank·N .. (rank+1)·N). */
  xk: tf.Tensor4D;
  /** Geometry of (query view, key view) of each of this replica's own images (those of `xq`). */
  geometry: Array<[ViewGeometry, ViewGeometry]>;
  /** Inverse of the whole batch's key permutation, inv[perm[j]] = j; absent: keys in batch order. */
  inv?: number[];
}

export function disposeEncoderOutput(o: EncoderOutput): void {
  tf.dispose([o.stem, ...o.stages, o.pooled]);
}

/** How many key groups (own batch statistics each) this replica runs: one process stands in for MoCo's two GPUs. */
function keyGroups(mode: MocoOptions['shuffleBn'], n: number, world: number): number {
  return world === 1 && mode !== 'none' && n >= 2 ? 2 : 1;
}

/** The keys of one step: the whole batch's (batch order) and this replica's own. */
interface StepKeys {
  all: tf.Tensor2D;
  own: tf.Tensor2D;
  /** Local keys of this replica's valid images, transposed [D, V·R], or null. */
  localT: tf.Tensor2D | null;
}

export class Moco {
  readonly query: MocoSide;
  readonly key: MocoSide;
  readonly queue: KeyQueue;
  readonly featureSize: [number, number];

  /** `rng` draws the initialisation (query side, key side, queue) and nothing after. */
  constructor(
    readonly options: MocoOptions,
    rng: Rng,
  ) {
    if (!(options.momentum >= 0 && options.momentum <= 1)) throw new Error(`ssl.momentum: ${options.momentum} must be in [0, 1]`);
    this.query = new MocoSide(options, rng);
    this.key = new MocoSide(options, rng);
    this.query.modules().forEach((m, i) => copyVariables(this.key.modules()[i], m));
    this.queue = new KeyQueue(options.queueSize, options.projector.outDim, rng, options.batchSize);
    const sizes = stageSpatialSizes(this.query.encoder.config, options.inputSize, options.inputSize);
    this.featureSize = sizes[options.local.stage - 1];
  }

  /** Trainable variables of the query side (names relative to its store). */
  trainableParams(): NamedVariable[] {
    return this.query.store.list('param');
  }

  /** Key side ← EMA of the query side (buffers copied). */
  momentumUpdate(): void {
    const q = this.query.modules();
    this.key.modules().forEach((k, i) => emaUpdate(k, q[i], this.options.momentum));
  }

  /**
   * One MoCo step of this replica (alone: of the whole batch): EMA, keys, loss, gradients, SGD update
   * (learning rate `lr`) with the gradients averaged over the replicas, enqueue every key of the
   * batch, running statistics averaged. Returns the batch's losses (see combineReplicaNumbers).
   */
  async step(batch: MocoBatch, comm: ReplicaComm, opt: SgdMomentum, lr: number): Promise<MocoStepResult> {
    const o = this.options;
    const h = batch.xq.shape[0];
    const n = h * comm.world;
    const inv = batch.inv ?? Array.from({ length: n }, (_, i) => i);
    if (inv.length !== n) throw new Error(`Moco.step: key permutation of ${inv.length} for ${comm.world} × ${h} images`);
    this.query.train(true);
    this.key.train(true);
    this.momentumUpdate();
    const plan = o.local.enabled
      ? planLocal(batch.geometry, this.featureSize[0], this.featureSize[1], o.local.grid, o.local.minOverlap)
      : null;
    const V = plan ? plan.valid.length : 0;
    const keys = this.keys(batch.xk, inv, comm, plan);
    const params = this.trainableParams();
    const { value, grads, gScalar, lScalar, logits } = this.queryLossAndGrads(params, batch.xq, keys.own, plan, V, keys.localT);
    // A share where every pair was skipped has no local-projector gradient: zeros (the mean stays right).
    const gradList = params.map((p) => grads[p.variable.name] ?? tf.zerosLike(p.variable));
    // Asynchronous reads: a GPU backend cannot read synchronously in Node, and a GPU error reported
    // during the step rejects here, before the update is applied.
    const total = (await value.data())[0];
    const own = {
      total,
      global: gScalar ? (await gScalar.data())[0] : Number.NaN,
      local: lScalar ? (await lScalar.data())[0] : Number.NaN,
      top1: logits ? await top1Class0(logits) : Number.NaN,
      localImages: V,
      localSkipped: plan ? plan.skipped : 0,
    };
    // Every replica learns every replica's numbers, so all take the same decision; a non-finite loss
    // is never applied (the caller's guard stops the run).
    const r = combineReplicaNumbers(comm.gatherNumbers(numbersRow(own)), own, o.local.weight);
    if (r.finite) {
      const avg = comm.meanGrads(gradList);
      opt.apply(avg, lr);
      if (avg !== gradList) tf.dispose(avg);
      this.queue.enqueue(keys.all);
      comm.meanBuffers([...this.query.store.list('buffer'), ...this.key.store.list('buffer')].map((e) => e.variable));
    }
    tf.dispose([
      value,
      ...gradList,
      keys.all,
      keys.own,
      ...(keys.localT ? [keys.localT] : []),
      ...(gScalar ? [gScalar] : []),
      ...(lScalar ? [lScalar] : []),
      ...(logits ? [logits] : []),
    ]);
    if (plan) disposePlan(plan);
    return { total: r.total, global: r.global, local: r.local, top1: r.top1, localSkipped: r.localSkipped };
  }

  /**
   * Keys without gradient (nothing here is a query-side variable, and it runs outside variableGrads):
   * the key encoder on this replica's key groups, outputs all-gathered and un-permuted (row i = image
   * i of the batch), projected; the local keys from this replica's own images' stage map.
   */
  private keys(xk: tf.Tensor4D, inv: number[], comm: ReplicaComm, plan: LocalPlan | null): StepKeys {
    const o = this.options;
    const h = xk.shape[0];
    const stageIdx = o.local.stage - 1;
    const enc = this.key.encoder;
    let keys!: StepKeys;
    tf.tidy(() => {
      const groups = keyGroups(o.shuffleBn, h, comm.world);
      const cut = Math.floor(h / 2);
      const parts =
        groups === 1 ? [xk] : [tf.slice(xk, [0, 0, 0, 0], [cut, -1, -1, -1]), tf.slice(xk, [cut, 0, 0, 0], [h - cut, -1, -1, -1])];
      const outs = parts.map((p) => enc.forward(p as tf.Tensor4D));
      const pooled =
        groups === 1
          ? outs[0].pooled
          : tf.concat(
              outs.map((x) => x.pooled),
              0,
            );
      const local = o.local.enabled
        ? groups === 1
          ? outs[0].stages[stageIdx]
          : tf.concat(
              outs.map((x) => x.stages[stageIdx]),
              0,
            )
        : null;
      const gathered = comm.gather(local ? [pooled, local] : [pooled]); // rank order = permuted batch order
      const invT = tf.tensor1d(inv, 'int32');
      const all = tf.keep(l2Normalize(this.key.projector.forward(tf.gather(gathered[0], invT) as tf.Tensor2D)));
      const own = tf.keep(tf.slice(all, [comm.rank * h, 0], [h, -1]));
      let localT: tf.Tensor2D | null = null;
      if (plan && plan.valid.length > 0 && local && this.key.localProjector) {
        const stage = tf.slice(tf.gather(gathered[1], invT), [comm.rank * h, 0, 0, 0], [h, -1, -1, -1]) as tf.Tensor4D;
        const pooledK = poolRegions(stage, plan.valid, plan.weightsK!);
        localT = tf.keep(tf.transpose(l2Normalize(this.key.localProjector.forward(pooledK))) as tf.Tensor2D);
      }
      keys = { all, own, localT };
    });
    return keys;
  }

  /**
   * The query side's loss, global InfoNCE + λ · local InfoNCE, and its gradients with respect to the
   * query parameters (the keys are constants). The scalar parts are kept for reporting.
   */
  private queryLossAndGrads(
    params: NamedVariable[],
    xq: tf.Tensor4D,
    keys: tf.Tensor2D,
    plan: LocalPlan | null,
    V: number,
    kLocalT: tf.Tensor2D | null,
  ): { value: tf.Scalar; grads: tf.NamedTensorMap; gScalar: tf.Scalar | null; lScalar: tf.Scalar | null; logits: tf.Tensor2D | null } {
    const o = this.options;
    let gScalar: tf.Scalar | null = null;
    let lScalar: tf.Scalar | null = null;
    let logits: tf.Tensor2D | null = null;
    const { value, grads } = tf.variableGrads(
      () => {
        const out = this.query.encoder.forward(xq);
        const q = l2Normalize(this.query.projector.forward(out.pooled));
        const g = infoNce(q, keys, this.queue.keys as tf.Tensor as tf.Tensor2D, o.temperature);
        gScalar = tf.keep(g.loss);
        logits = tf.keep(g.logits);
        let total: tf.Scalar = g.loss;
        if (plan && V > 0 && kLocalT && this.query.localProjector) {
          const pooledQ = poolRegions(out.stages[o.local.stage - 1], plan.valid, plan.weightsQ!);
          const ql = l2Normalize(this.query.localProjector.forward(pooledQ));
          const l = localInfoNce(ql, kLocalT, V, plan.regions, o.local.temperature, o.local.crossImageNegatives);
          lScalar = tf.keep(l);
          total = tf.add(total, tf.mul(l, o.local.weight)) as tf.Scalar;
        }
        disposeEncoderOutput(out);
        return total;
      },
      params.map((p) => p.variable),
    );
    return { value, grads, gScalar, lScalar, logits };
  }

  dispose(): void {
    this.query.dispose();
    this.key.dispose();
    this.queue.dispose();
  }
}
