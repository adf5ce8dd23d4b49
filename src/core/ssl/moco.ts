/**
 * MoCo v2 (+ local feature learning, + whitening through the encoder config), single process.
 *
 * Query side: encoder → projector (→ 128-d, L2-normalised); local projector on pooled regions.
 * Key side: a second copy of the same modules in its own store, updated as an exponential moving
 * average of the query side (parameters; BatchNorm and whitening running statistics copied along),
 * never by gradients. Step (MoCo's order): momentum update of the key side, keys without gradient,
 * queries with gradient, loss = global InfoNCE + λ·local InfoNCE, SGD update, enqueue the keys.
 *
 * Shuffled key BatchNorm in one process: BatchNorm over the whole batch is invariant to a permutation,
 * so shuffling alone would change nothing. What we do instead ('shuffle', the default): draw a random
 * permutation of the key batch from the run's generator, split the permuted batch into 2 sub-batches
 * and run the key encoder on each (each sub-batch gets its own batch statistics, like two GPUs in
 * MoCo), then concatenate and undo the permutation. The query encoder sees the whole batch, so query
 * and key never share statistics and no sub-batch statistic follows a fixed group of images.
 * 'subbatch': the same without the permutation; 'none': the whole key batch at once.
 *
 * Data-parallel replicas ({@link Moco.stepReplica}, driven by train/parallel.ts): each replica runs
 * the query encoder on its own share of the batch (so query BatchNorm/whitening statistics are those
 * of that share) and the key encoder on the key views of a share of the *permuted* batch (the same
 * permutation the single-process 'shuffle' mode draws, drawn on the main thread), so each share's key
 * BN statistics are its own and never those of its queries: MoCo's shuffled BN across GPUs, here for
 * free. The key encoder outputs (pooled features and, with the local loss, the stage map) are
 * all-gathered and un-permuted, so every replica projects the whole batch's keys identically and the
 * queue receives them in batch order. 'subbatch' and 'none' use the identity permutation (with
 * W replicas, 'none' therefore also means per-share key statistics).
 */
import * as tf from '@tensorflow/tfjs';
import type { ViewGeometry } from '../data/augment';
import { copyVariables, emaUpdate, Module, ParamStore, type NamedVariable } from '../models/module';
import { l2Normalize, Projector } from '../models/projector';
import { ResNetEncoder, stageSpatialSizes, type EncoderOutput, type ResNetConfig } from '../models/resnet';
import type { SgdMomentum } from '../train/optimizer';
import { Rng } from '../util/rng';
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
    this.projector = new Projector({ inDim: this.encoder.featureDim, hiddenDim: o.projector.hiddenDim, outDim: o.projector.outDim }, this.store.scope('projector'));
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
  /** Query views [N, H, W, 1] and key views [N, H, W, 1]. */
  xq: tf.Tensor4D;
  xk: tf.Tensor4D;
  /** Geometry of (query view, key view) per image. */
  geometry: Array<[ViewGeometry, ViewGeometry]>;
}

export interface MocoStepResult {
  total: number;
  global: number;
  /** NaN when the local loss is off or every pair was skipped. */
  local: number;
  top1: number;
  /** Images whose views overlapped too little for the local loss. */
  localSkipped: number;
}

export function disposeEncoderOutput(o: EncoderOutput): void {
  tf.dispose([o.stem, ...o.stages, o.pooled]);
}

export class Moco {
  readonly query: MocoSide;
  readonly key: MocoSide;
  readonly queue: KeyQueue;
  readonly featureSize: [number, number];

  constructor(readonly options: MocoOptions, readonly rng: Rng) {
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

  /** Key encoder forward on the (optionally permuted) sub-batches; returns the stage map and pooled features in batch order. */
  private keyForward(xk: tf.Tensor4D): { stage: tf.Tensor4D | null; pooled: tf.Tensor2D } {
    const N = xk.shape[0];
    const enc = this.key.encoder;
    const stageIdx = this.options.local.stage - 1;
    const wantStage = this.options.local.enabled;
    const mode = this.options.shuffleBn;
    if (mode === 'none' || N < 2) {
      const o = enc.forward(xk);
      const stage = wantStage ? o.stages[stageIdx] : null;
      const pooled = o.pooled;
      tf.dispose([o.stem, ...o.stages.filter((s) => s !== stage)]);
      return { stage, pooled };
    }
    const perm = Array.from({ length: N }, (_, i) => i);
    if (mode === 'shuffle') this.rng.shuffle(perm);
    const inv = new Array<number>(N);
    perm.forEach((p, i) => (inv[p] = i));
    let res: { stage: tf.Tensor4D | null; pooled: tf.Tensor2D } | null = null;
    tf.tidy(() => {
      const xs = mode === 'shuffle' ? tf.gather(xk, tf.tensor1d(perm, 'int32')) : xk;
      const half = Math.floor(N / 2);
      const parts = [tf.slice(xs, [0, 0, 0, 0], [half, -1, -1, -1]), tf.slice(xs, [half, 0, 0, 0], [N - half, -1, -1, -1])];
      const outs = parts.map((p) => enc.forward(p as tf.Tensor4D));
      const unperm = (t: tf.Tensor) => (mode === 'shuffle' ? tf.gather(t, tf.tensor1d(inv, 'int32')) : t);
      const pooled = unperm(tf.concat(outs.map((o) => o.pooled), 0)) as tf.Tensor2D;
      const stage = wantStage ? (unperm(tf.concat(outs.map((o) => o.stages[stageIdx]), 0)) as tf.Tensor4D) : null;
      res = { stage: stage ? tf.keep(stage) : null, pooled: tf.keep(pooled) };
    });
    return res!;
  }

  /** One MoCo step: EMA, keys, loss, gradients, SGD update (learning rate `lr`), enqueue. */
  step(batch: MocoBatch, opt: SgdMomentum, lr: number): MocoStepResult {
    const o = this.options;
    const N = batch.xq.shape[0];
    this.query.train(true);
    this.key.train(true);
    this.momentumUpdate();
    const plan = o.local.enabled ? planLocal(batch.geometry, this.featureSize[0], this.featureSize[1], o.local.grid, o.local.minOverlap) : null;
    const V = plan ? plan.valid.length : 0;
    // Keys: no gradient (nothing here is a query-side variable, and it runs outside variableGrads).
    let kGlobal!: tf.Tensor2D;
    let kLocalT: tf.Tensor2D | null = null;
    tf.tidy(() => {
      const kf = this.keyForward(batch.xk);
      kGlobal = tf.keep(l2Normalize(this.key.projector.forward(kf.pooled)));
      if (plan && V > 0 && kf.stage && this.key.localProjector) {
        const pooledK = poolRegions(kf.stage, plan.valid, plan.weightsK!);
        kLocalT = tf.keep(tf.transpose(l2Normalize(this.key.localProjector.forward(pooledK))) as tf.Tensor2D);
      }
      tf.dispose([kf.pooled, ...(kf.stage ? [kf.stage] : [])]);
    });
    const params = this.trainableParams();
    const { value, grads, gScalar, lScalar, logits } = this.queryLossAndGrads(params, batch.xq, kGlobal, plan, V, kLocalT);
    const gradList = params.map((p) => grads[p.variable.name]);
    const total = value.dataSync()[0];
    const global = (gScalar as tf.Scalar | null)?.dataSync()[0] ?? Number.NaN;
    const local = (lScalar as tf.Scalar | null)?.dataSync()[0] ?? Number.NaN;
    const top1 = logits ? top1Class0(logits) : Number.NaN;
    // Apply only finite updates: the caller's guard stops the run on a non-finite loss.
    if (Number.isFinite(total)) {
      opt.apply(gradList, lr);
      this.queue.enqueue(kGlobal);
    }
    tf.dispose([value, ...gradList, kGlobal, ...(kLocalT ? [kLocalT] : []), ...(gScalar ? [gScalar] : []), ...(lScalar ? [lScalar] : []), ...(logits ? [logits] : [])]);
    if (plan) disposePlan(plan);
    void N;
    return { total, global, local, top1, localSkipped: plan ? plan.skipped : 0 };
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
    const { value, grads } = tf.variableGrads(() => {
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
    }, params.map((p) => p.variable));
    return { value, grads, gScalar, lScalar, logits };
  }

  /**
   * One data-parallel step of this replica (see the header). `b.xq`: the queries of images
   * [rank·h, (rank+1)·h); `b.xk`: the key views of images perm[rank·h .. (rank+1)·h); `b.inv`: the
   * inverse permutation of the whole batch. Gradients and buffers (BatchNorm and whitening running
   * statistics of both sides) are averaged over the replicas, so every replica applies the same
   * update and stays identical. Returns batch-mean losses (local: weighted by each share's images
   * with a local loss) and the top-1 of the whole batch.
   */
  stepReplica(b: ReplicaBatch, comm: ReplicaComm, opt: SgdMomentum, lr: number): MocoStepResult {
    const o = this.options;
    const h = b.xq.shape[0];
    const N = h * b.world;
    if (b.inv.length !== N) throw new Error(`Moco.stepReplica: permutation of ${b.inv.length} for ${b.world} × ${h} images`);
    this.query.train(true);
    this.key.train(true);
    this.momentumUpdate();
    const plan = o.local.enabled ? planLocal(b.geometry, this.featureSize[0], this.featureSize[1], o.local.grid, o.local.minOverlap) : null;
    const V = plan ? plan.valid.length : 0;
    let kAll!: tf.Tensor2D;
    let kOwn!: tf.Tensor2D;
    let kLocalT: tf.Tensor2D | null = null;
    tf.tidy(() => {
      const out = this.key.encoder.forward(b.xk);
      const C = out.pooled.shape[1];
      const stage = o.local.enabled ? out.stages[o.local.stage - 1] : null;
      const packed = stage ? tf.concat([out.pooled, tf.reshape(stage, [h, -1])], 1) : out.pooled;
      const all = comm.gather(packed) as tf.Tensor2D; // rank order = permuted batch order
      const ordered = tf.gather(all, tf.tensor1d(b.inv, 'int32')) as tf.Tensor2D; // row i = image i
      const pooledAll = stage ? tf.slice(ordered, [0, 0], [N, C]) : ordered;
      kAll = tf.keep(l2Normalize(this.key.projector.forward(pooledAll as tf.Tensor2D)));
      kOwn = tf.keep(tf.slice(kAll, [b.rank * h, 0], [h, -1]));
      if (plan && V > 0 && stage && this.key.localProjector) {
        const own = tf.reshape(tf.slice(ordered, [b.rank * h, C], [h, -1]), stage.shape) as tf.Tensor4D;
        const pooledK = poolRegions(own, plan.valid, plan.weightsK!);
        kLocalT = tf.keep(tf.transpose(l2Normalize(this.key.localProjector.forward(pooledK))) as tf.Tensor2D);
      }
    });
    const params = this.trainableParams();
    const { value, grads, gScalar, lScalar, logits } = this.queryLossAndGrads(params, b.xq, kOwn, plan, V, kLocalT);
    // A share where every pair was skipped has no local-projector gradient: zeros (the mean stays right).
    const gradList = params.map((p) => grads[p.variable.name] ?? tf.zerosLike(p.variable));
    const total = value.dataSync()[0];
    const global = (gScalar as tf.Scalar | null)?.dataSync()[0] ?? Number.NaN;
    const local = (lScalar as tf.Scalar | null)?.dataSync()[0] ?? Number.NaN;
    const top1 = logits ? top1Class0(logits) : Number.NaN;
    const skipped = plan ? plan.skipped : 0;
    // Every replica learns every replica's numbers, so all take the same decision.
    const statsT = tf.tensor2d([[total, global, Number.isNaN(local) ? 0 : local, top1, V, skipped, Number.isFinite(total) ? 1 : 0, 0]], [1, 8]);
    const gathered = comm.gather(statsT);
    const st = gathered.dataSync() as Float32Array;
    tf.dispose([statsT, gathered]);
    let gSum = 0, tSum = 0, lSum = 0, vSum = 0, skSum = 0;
    let allFinite = true;
    for (let r = 0; r < b.world; r++) {
      const row = st.subarray(r * 8, r * 8 + 8);
      gSum += row[1];
      lSum += row[2] * row[4];
      tSum += row[3];
      vSum += row[4];
      skSum += row[5];
      if (row[6] !== 1) allFinite = false;
    }
    if (allFinite) {
      const avg = comm.meanGrads(gradList);
      opt.apply(avg, lr);
      tf.dispose(avg);
      this.queue.enqueue(kAll);
      const bufs = [...this.query.store.list('buffer'), ...this.key.store.list('buffer')].map((e) => e.variable);
      const bavg = comm.meanBuffers(bufs);
      bufs.forEach((v, i) => v.assign(bavg[i]));
      tf.dispose(bavg);
    }
    tf.dispose([value, ...gradList, kAll, kOwn, ...(kLocalT ? [kLocalT] : []), ...(gScalar ? [gScalar] : []), ...(lScalar ? [lScalar] : []), ...(logits ? [logits] : [])]);
    if (plan) disposePlan(plan);
    const gMean = gSum / b.world;
    const lMean = vSum > 0 ? lSum / vSum : Number.NaN;
    const totalMean = allFinite ? gMean + (Number.isNaN(lMean) ? 0 : o.local.weight * lMean) : Number.NaN;
    return { total: totalMean, global: gMean, local: lMean, top1: tSum / b.world, localSkipped: skSum };
  }

  dispose(): void {
    this.query.dispose();
    this.key.dispose();
    this.queue.dispose();
  }
}

/** This replica's share of a data-parallel batch (see {@link Moco.stepReplica}). */
export interface ReplicaBatch {
  rank: number;
  world: number;
  /** Queries of images [rank·h, (rank+1)·h). */
  xq: tf.Tensor4D;
  /** Key views of images perm[rank·h .. (rank+1)·h). */
  xk: tf.Tensor4D;
  /** Geometry (query view, key view) of this replica's own images [rank·h, (rank+1)·h). */
  geometry: Array<[ViewGeometry, ViewGeometry]>;
  /** Inverse of the batch permutation: inv[perm[j]] = j. */
  inv: number[];
}

/** Collective operations between replicas (train/parallel.ts implements them over SharedArrayBuffers). */
export interface ReplicaComm {
  /** Concatenation along axis 0 of every replica's tensor (same shape everywhere), in rank order. */
  gather(t: tf.Tensor): tf.Tensor;
  /** Element-wise mean over replicas of the trainable parameters' gradients (new tensors). */
  meanGrads(ts: tf.Tensor[]): tf.Tensor[];
  /** Element-wise mean over replicas of the buffers of both sides (new tensors). */
  meanBuffers(ts: tf.Tensor[]): tf.Tensor[];
}
