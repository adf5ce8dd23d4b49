/**
 * The pretraining loop (issue 4): MoCo v2 (+ local loss, + whitening per config) on the phantom,
 * seeded; SGD momentum + weight decay with linear warm-up + cosine per step; events through the run
 * writer; a NaN/Inf guard naming the step and the loss term (or the weight); diagnostics every N
 * epochs; atomic checkpoints and exact resume; cancellation (AbortSignal, wired to SIGTERM/SIGINT by
 * the CLI) → checkpoint, status cancelled.
 *
 * Cores: with `pretrain.workers` = 1 (or 'auto' off the wasm backend) this loop runs one replica in
 * this process, as it always did. With W > 1 ('auto' = one per core, at most 2, on wasm) it drives W
 * worker_thread replicas (train/parallel.ts): the views and the key-BN permutation are still drawn
 * here from the one generator (the same draws as with one worker), each replica takes 1/W of the
 * batch, gradients and running statistics are averaged, keys are all-gathered for the queue;
 * replica 0 saves checkpoints and computes diagnostics. What differs from one worker: query (and
 * whitening) batch statistics are per share, so losses and weights approximate, not equal, the
 * single-worker run; see parallel.ts.
 *
 * One generator per run: model initialisation (query side, key side, queue), each epoch's slice order,
 * the augmentations and the shuffled key-BN permutation all draw from one Rng(seed); its state is in
 * every checkpoint, so a resumed run draws exactly what the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { RunWriter } from '../runs/types';
import { Moco } from '../ssl/moco';
import { Rng } from '../util/rng';
import { latestCheckpoint, loadCheckpoint, readCheckpointState, saveCheckpoint, type TrainState } from './checkpoint';
import { ParallelReplicas, resolveWorkers, type WorkerFault } from './parallel';
import { DataConfigError, loadPretrainData, makeBatch, makeViews, viewAugment } from './data';
import { checkBatchFits, WASM_HEAP_LIMIT_BYTES } from '../models/memoryEstimate';
import { computeDiagnostics, pickSlices, type Diagnostics } from './diagnostics';
import { SgdMomentum } from './optimizer';
import { lrAt, type LrSchedule } from './schedule';
import { firstNonFinite, mocoOptions } from './mocoSetup';

export { mocoOptions };

export class TrainingError extends Error {
  constructor(message: string, readonly step: number, readonly where: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export interface PretrainOptions {
  writer: RunWriter;
  configHash: string;
  /** Resume from the newest complete checkpoint of this run folder (normally writer.dir). */
  resume?: boolean;
  /** Abort → checkpoint, status cancelled. */
  signal?: AbortSignal;
  /** Stop (without completing the run) after this many steps — tests simulate an interruption. */
  stopAfterStep?: number;
  /** Called after every step with its losses (tests). */
  onStep?: (step: number, r: { total: number; global: number; local: number; top1: number; workerTensors?: number[] }) => void;
  /** Data-parallel barrier/request timeout (ms); default 300 s. */
  workerTimeoutMs?: number;
  /** Tests only: make a data-parallel replica fail. */
  workerFault?: WorkerFault;
}

export interface PretrainResult {
  status: 'completed' | 'cancelled' | 'stopped';
  step: number;
  totalSteps: number;
  losses: { total: number; global: number; local: number };
  diagnostics: Diagnostics | null;
  localSkipped: number;
  imagesPerSec: number;
}

/** Runs (or resumes) a pretraining; sets the run's terminal status. */
export async function pretrain(c: ExperimentConfig, o: PretrainOptions): Promise<PretrainResult> {
  const w = o.writer;
  let lastStep = 0;
  let lastEpoch = 0;
  let moco: Moco | null = null;
  let opt: SgdMomentum | null = null;
  let par: ParallelReplicas | null = null;
  const batches: tf.Tensor[] = [];
  try {
    const data = loadPretrainData(c);
    const aug = viewAugment(c);
    const B = c.pretrain.batchSize;
    const stepsPerEpoch = Math.floor(data.train.count / B);
    const totalSteps = stepsPerEpoch * c.pretrain.epochs;
    const base = c.pretrain.lr === 'auto' ? (0.03 * B) / 256 : c.pretrain.lr;
    const schedule: LrSchedule = { base, totalSteps, warmupSteps: Math.round(c.pretrain.warmupEpochs * stepsPerEpoch), kind: c.pretrain.schedule };
    const rng = new Rng(c.seed);
    const diagSlices = await data.heldOut.read(pickSlices(Array.from({ length: data.heldOut.count }, (_, i) => i), c.diagnostics.slices));
    const backendName = tf.getBackend();
    const { workers, note } = resolveWorkers(c, backendName);
    if (c.ssl.queueSize >= data.train.count) {
      // Then the queue holds older keys of the very slices in the batch: "negatives" that are the
      // positive's own image, which drives the InfoNCE accuracy to 0 and the loss towards log(K+1).
      w.log('warn', `ssl.queueSize (${c.ssl.queueSize}) is not smaller than the ${data.train.count} training slices: the queue will hold ` +
        `keys of the same slices as negatives. Use a queue well below the dataset size (e.g. ${suggestQueue(data.train.count, B)}).`);
    }
    if (backendName === 'wasm') {
      // Each wasm instance dies without a JavaScript error past 4 GiB: refuse a batch that will not fit
      // and name one that does. The key encoder is one more copy of the parameters (no activations kept).
      const fit = checkBatchFits(mocoOptions(c).encoder, B, c.data.size, WASM_HEAP_LIMIT_BYTES, { workers, extraParamCopies: 1 });
      if (!fit.ok) throw new DataConfigError('pretrain.batchSize', fit.message);
    }
    let info: { featureDim: number; params: number; featureSize: number[] };
    if (workers > 1) {
      par = await ParallelReplicas.start(c, workers, backendName, diagSlices.length < 2 ? [] : diagSlices, { timeoutMs: o.workerTimeoutMs, fault: o.workerFault });
      rng.setState(par.rngState); // the replicas drew the initialisation from Rng(seed) exactly as below
      info = par.info;
    } else {
      moco = new Moco(mocoOptions(c), rng);
      opt = new SgdMomentum(moco.trainableParams(), c.pretrain.momentum, c.pretrain.weightDecay);
      info = { featureDim: moco.query.encoder.featureDim, params: moco.query.store.numElements('param'), featureSize: moco.featureSize };
    }
    w.log('info', `pretrain: ${data.train.count} training slices (${data.trainCases.length} cases), ${data.heldOut.count} held-out (${data.heldOutCases.length} cases); ` +
      `${stepsPerEpoch} steps/epoch × ${c.pretrain.epochs} epochs; encoder ${info.featureDim}-d, ${info.params} parameters (query side); ` +
      `local loss ${c.ssl.local.enabled ? `on (stage ${c.ssl.local.stage}, ${info.featureSize.join('×')} map, ${c.ssl.local.grid}×${c.ssl.local.grid} regions)` : 'off'}; ` +
      `whitening ${c.model.whitening.enabled ? c.model.whitening.method : 'off'}; key BN: ${c.ssl.shuffleBn}${workers > 1 ? ' (per worker share, permuted)' : ''}; ${note} (${backendName})`);

    let state: TrainState = {
      format: 'medssl-pretrain-checkpoint', version: 1, step: 0, epoch: 0, stepInEpoch: 0, order: [], queuePtr: 0,
      schedule, rng: rng.getState(), configHash: o.configHash,
    };
    if (o.resume) {
      const dir = await latestCheckpoint(w.dir);
      if (dir) {
        if (par) {
          state = await readCheckpointState(dir);
          await par.load(dir);
        } else {
          state = await loadCheckpoint(dir, moco!, opt!);
        }
        rng.setState(state.rng);
        w.log('info', `resumed from ${dir} (step ${state.step}, epoch ${state.epoch})`, state.step, state.epoch);
      } else {
        w.log('warn', 'resume: no complete checkpoint in this run; starting from step 0');
      }
    }

    const checkpoint = async (losses?: Record<string, number>) => {
      const s: TrainState = { ...state, queuePtr: moco ? moco.queue.ptr : 0, rng: rng.getState(), losses };
      let dir: string;
      if (par) {
        await par.assertIdentical(s.step);
        dir = await par.checkpoint(w.dir, s); // replica 0; it writes its own queue pointer
      } else {
        dir = await saveCheckpoint(w.dir, moco!, opt!, s);
      }
      w.event({ type: 'artifact', step: s.step, epoch: s.epoch, path: `checkpoints/${s.step}`, kind: 'checkpoint' });
      return dir;
    };
    const diagnose = async (step: number, epoch: number): Promise<Diagnostics | null> => {
      if (diagSlices.length < 2) return null;
      const d = par ? await par.diagnose(step, epoch) : computeDiagnostics(moco!, diagSlices, aug, c.seed, B, step, epoch);
      w.writeJson(`diagnostics/${step}.json`, d, 'diagnostics', step, epoch);
      const sc = (name: string, v: number) => w.scalar(step, epoch, name, v);
      sc('diag/representation/effectiveRank', d.representation.effectiveRank);
      sc('diag/representation/dims99', d.representation.dims99);
      sc('diag/representation/stdSqrtD', d.representation.stdSqrtD);
      sc('diag/embedding/effectiveRank', d.embedding.effectiveRank);
      sc('diag/embedding/dims99', d.embedding.dims99);
      sc('diag/embedding/stdSqrtD', d.embedding.stdSqrtD);
      sc('diag/alignment', d.alignment);
      sc('diag/uniformity', d.uniformity);
      sc('diag/infonce/top1', d.top1);
      return d;
    };

    let last = { total: Number.NaN, global: Number.NaN, local: Number.NaN };
    let lastDiag: Diagnostics | null = null;
    let skippedTotal = 0;
    let imagesPerSec = 0;
    const t0 = Date.now();
    let stepsThisSession = 0;
    while (state.step < totalSteps) {
      if (o.signal?.aborted) {
        await checkpoint(last);
        w.cancel(`cancelled at step ${state.step}; checkpoint saved`);
        return { status: 'cancelled', step: state.step, totalSteps, losses: last, diagnostics: lastDiag, localSkipped: skippedTotal, imagesPerSec };
      }
      if (state.stepInEpoch === 0 || state.order.length === 0) {
        // The same shuffle as before while the prepared slices fit in the data cache; case windows beyond it.
        state.order = data.train.epochOrder((a) => rng.shuffle(a));
      }
      const t = state.step;
      const epoch = state.epoch;
      lastStep = t + 1;
      lastEpoch = epoch;
      const lr = lrAt(schedule, t);
      const idx = state.order.slice(state.stepInEpoch * B, (state.stepInEpoch + 1) * B);
      // The next batch's cases are read (and gunzipped) in the background while this step runs; a bad case
      // surfaces when its slice is read, with the data path's message, so the rejection is dropped here.
      data.train.prefetch(state.order.slice((state.stepInEpoch + 1) * B, (state.stepInEpoch + 2) * B)).catch(() => undefined);
      const ts = Date.now();
      let r: { total: number; global: number; local: number; top1: number; localSkipped: number; workerTensors?: number[] };
      let badWeight: string | null = null;
      if (par) {
        // The same draws, in the same order, as makeBatch + Moco.step's key-BN permutation.
        const views = makeViews(await data.train.read(idx), aug, rng);
        const perm = Array.from({ length: B }, (_, i) => i);
        if (c.ssl.shuffleBn === 'shuffle' && B >= 2) rng.shuffle(perm);
        const pr = await par.step(views, perm, lr);
        r = pr;
        badWeight = pr.badWeight;
      } else {
        const batch = makeBatch(await data.train.read(idx), aug, rng);
        batches.push(batch.xq, batch.xk);
        r = moco!.step(batch, opt!, lr);
        tf.dispose([batch.xq, batch.xk]);
        batches.length = 0;
      }
      const dt = (Date.now() - ts) / 1000;
      // Guard: a non-finite loss term or weight stops the run, naming the step and the term.
      const terms: Array<[string, number]> = [['loss/global', r.global], ...(c.ssl.local.enabled && !Number.isNaN(r.local) ? [['loss/local', r.local] as [string, number]] : []), ['loss/total', r.total]];
      for (const [name, v] of terms) {
        if (!Number.isFinite(v)) {
          throw new TrainingError(`step ${t + 1} (epoch ${epoch + 1}): ${name} is ${v} (lr ${lr.toPrecision(3)}); the run was stopped before the update. Lower pretrain.lr, check the data window, or enable whitening.epsilon larger.`, t + 1, name);
        }
      }
      if (!par) badWeight = firstNonFinite(moco!);
      if (badWeight) throw new TrainingError(`step ${t + 1} (epoch ${epoch + 1}): weight '${badWeight}' became NaN/Inf after the update (lr ${lr.toPrecision(3)}); lower pretrain.lr`, t + 1, badWeight);
      state.step = t + 1;
      state.stepInEpoch++;
      stepsThisSession++;
      skippedTotal += r.localSkipped;
      last = { total: r.total, global: r.global, local: r.local };
      imagesPerSec = B / Math.max(dt, 1e-6);
      const avg = (Date.now() - t0) / 1000 / stepsThisSession;
      w.scalar(state.step, epoch, 'loss/total', r.total);
      w.scalar(state.step, epoch, 'loss/global', r.global);
      if (c.ssl.local.enabled) {
        if (!Number.isNaN(r.local)) w.scalar(state.step, epoch, 'loss/local', r.local);
        w.scalar(state.step, epoch, 'local/skippedPairs', r.localSkipped);
      }
      w.scalar(state.step, epoch, 'lr', lr);
      w.scalar(state.step, epoch, 'infonce/top1', r.top1);
      w.scalar(state.step, epoch, 'images/s', imagesPerSec);
      w.event({ type: 'progress', step: state.step, epoch, totalSteps, imagesPerSec, etaSec: avg * (totalSteps - state.step), stage: 'pretrain' });
      o.onStep?.(state.step, r);
      const endOfEpoch = state.stepInEpoch >= stepsPerEpoch;
      if (endOfEpoch) {
        state.epoch++;
        state.stepInEpoch = 0;
        state.order = [];
        if (state.epoch % c.diagnostics.everyEpochs === 0 || state.step === totalSteps) lastDiag = await diagnose(state.step, state.epoch);
      }
      const every = c.pretrain.checkpointEvery;
      if ((every > 0 && state.step % every === 0) || state.step === totalSteps) await checkpoint(last);
      if (o.stopAfterStep !== undefined && state.step >= o.stopAfterStep && state.step < totalSteps) {
        return { status: 'stopped', step: state.step, totalSteps, losses: last, diagnostics: lastDiag, localSkipped: skippedTotal, imagesPerSec };
      }
      await new Promise<void>((res) => setImmediate(res)); // let signals be delivered
    }
    if (!lastDiag) lastDiag = await diagnose(state.step, state.epoch);
    w.complete();
    return { status: 'completed', step: state.step, totalSteps, losses: last, diagnostics: lastDiag, localSkipped: skippedTotal, imagesPerSec };
  } catch (e) {
    const err = e as Error;
    const where = e instanceof TrainingError ? `step ${e.step}: ${e.where}` : `pretrain step ${lastStep} (epoch ${lastEpoch + 1})`;
    w.fail(err.message, where);
    throw e;
  } finally {
    tf.dispose(batches);
    await par?.close();
    moco?.dispose();
    opt?.dispose();
  }
}

/** A queue size for a small dataset: a multiple of the batch, about a quarter of the training slices. */
function suggestQueue(trainSlices: number, batch: number): number {
  return Math.max(batch, Math.floor(trainSlices / 4 / batch) * batch);
}
