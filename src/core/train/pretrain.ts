/**
 * The pretraining loop (issue 4): MoCo v2 (+ local loss, + whitening per config) on the phantom,
 * seeded; SGD momentum + weight decay with linear warm-up + cosine per step; events through the run
 * writer; a NaN/Inf guard naming the step and the loss term (or the weight); diagnostics every N
 * epochs; atomic checkpoints and exact resume; cancellation (AbortSignal, wired to SIGTERM/SIGINT by
 * the CLI) → checkpoint, status cancelled.
 *
 * Cores: this loop runs one replica in this process (one wasm or cpu backend). The data-parallel
 * worker machinery (backend/wasm/dataParallel.ts) is not used yet: `pretrain.workers` is accepted and
 * reported, but the step is single-worker.
 *
 * One generator per run: model initialisation (query side, key side, queue), each epoch's slice order,
 * the augmentations and the shuffled key-BN permutation all draw from one Rng(seed); its state is in
 * every checkpoint, so a resumed run draws exactly what the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { RunWriter } from '../runs/types';
import type { ResNetConfig } from '../models/resnet';
import { Moco, type MocoOptions } from '../ssl/moco';
import { Rng } from '../util/rng';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint';
import { loadPretrainData, makeBatch, viewAugment } from './data';
import { computeDiagnostics, pickSlices, type Diagnostics } from './diagnostics';
import { SgdMomentum } from './optimizer';
import { lrAt, type LrSchedule } from './schedule';

export class TrainingError extends Error {
  constructor(message: string, readonly step: number, readonly where: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export function mocoOptions(c: ExperimentConfig): MocoOptions {
  const depth = ({ resnet18: 18, resnet34: 34, resnet50: 50 } as const)[c.model.arch];
  const w = c.model.whitening;
  const encoder: Partial<ResNetConfig> = {
    depth,
    widths: c.model.widths,
    widthMultiplier: c.model.widthMultiplier,
    stem: c.model.stem,
    inChannels: 1,
    repeatToThreeChannels: c.model.repeatToThreeChannels,
    lastNorm: w.enabled ? w.method : 'batchnorm',
    whitening: { groupSize: w.groupSize, iterations: w.iterations, epsilon: w.eps, momentum: w.momentum },
  };
  return {
    encoder,
    projector: { hiddenDim: c.model.projector.hiddenDim, outDim: c.model.projector.outDim },
    queueSize: c.ssl.queueSize,
    momentum: c.ssl.momentum,
    temperature: c.ssl.temperature,
    shuffleBn: c.ssl.shuffleBn,
    local: { ...c.ssl.local },
    batchSize: c.pretrain.batchSize,
    inputSize: c.data.size,
  };
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
  onStep?: (step: number, r: { total: number; global: number; local: number; top1: number }) => void;
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

function firstNonFinite(moco: Moco): string | null {
  for (const e of moco.query.store.list()) {
    const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(e.variable))).dataSync()[0]);
    if (bad) return e.name;
  }
  return null;
}

/** Runs (or resumes) a pretraining; sets the run's terminal status. */
export async function pretrain(c: ExperimentConfig, o: PretrainOptions): Promise<PretrainResult> {
  const w = o.writer;
  let lastStep = 0;
  let lastEpoch = 0;
  let moco: Moco | null = null;
  let opt: SgdMomentum | null = null;
  const batches: tf.Tensor[] = [];
  try {
    const data = loadPretrainData(c);
    const aug = viewAugment(c);
    const B = c.pretrain.batchSize;
    const stepsPerEpoch = Math.floor(data.train.length / B);
    const totalSteps = stepsPerEpoch * c.pretrain.epochs;
    const base = c.pretrain.lr === 'auto' ? (0.03 * B) / 256 : c.pretrain.lr;
    const schedule: LrSchedule = { base, totalSteps, warmupSteps: Math.round(c.pretrain.warmupEpochs * stepsPerEpoch), kind: c.pretrain.schedule };
    const rng = new Rng(c.seed);
    moco = new Moco(mocoOptions(c), rng);
    opt = new SgdMomentum(moco.trainableParams(), c.pretrain.momentum, c.pretrain.weightDecay);
    const diagSlices = pickSlices(data.heldOut, c.diagnostics.slices);
    w.log('info', `pretrain: ${data.train.length} training slices (${data.trainCases.length} cases), ${data.heldOut.length} held-out (${data.heldOutCases.length} cases); ` +
      `${stepsPerEpoch} steps/epoch × ${c.pretrain.epochs} epochs; encoder ${moco.query.encoder.featureDim}-d, ${moco.query.store.numElements('param')} parameters (query side); ` +
      `local loss ${c.ssl.local.enabled ? `on (stage ${c.ssl.local.stage}, ${moco.featureSize.join('×')} map, ${c.ssl.local.grid}×${c.ssl.local.grid} regions)` : 'off'}; ` +
      `whitening ${c.model.whitening.enabled ? c.model.whitening.method : 'off'}; key BN: ${c.ssl.shuffleBn}; single worker (${tf.getBackend()})`);

    if (c.pretrain.workers !== 1) {
      w.log('warn', `pretrain.workers = ${String(c.pretrain.workers)}: data-parallel pretraining is not implemented yet; this run uses one worker (one core)`);
    }

    let state: TrainState = {
      format: 'medssl-pretrain-checkpoint', version: 1, step: 0, epoch: 0, stepInEpoch: 0, order: [], queuePtr: 0,
      schedule, rng: rng.getState(), configHash: o.configHash,
    };
    if (o.resume) {
      const dir = await latestCheckpoint(w.dir);
      if (dir) {
        state = await loadCheckpoint(dir, moco, opt);
        rng.setState(state.rng);
        w.log('info', `resumed from ${dir} (step ${state.step}, epoch ${state.epoch})`, state.step, state.epoch);
      } else {
        w.log('warn', 'resume: no complete checkpoint in this run; starting from step 0');
      }
    }

    const checkpoint = async (losses?: Record<string, number>) => {
      const s: TrainState = { ...state, queuePtr: moco!.queue.ptr, rng: rng.getState(), losses };
      const dir = await saveCheckpoint(w.dir, moco!, opt!, s);
      w.event({ type: 'artifact', step: s.step, epoch: s.epoch, path: `checkpoints/${s.step}`, kind: 'checkpoint' });
      return dir;
    };
    const diagnose = (step: number, epoch: number): Diagnostics | null => {
      if (diagSlices.length < 2) return null;
      const d = computeDiagnostics(moco!, diagSlices, aug, c.seed, B, step, epoch);
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
        state.order = rng.shuffle(Array.from({ length: data.train.length }, (_, i) => i));
      }
      const t = state.step;
      const epoch = state.epoch;
      lastStep = t + 1;
      lastEpoch = epoch;
      const lr = lrAt(schedule, t);
      const idx = state.order.slice(state.stepInEpoch * B, (state.stepInEpoch + 1) * B);
      const ts = Date.now();
      const batch = makeBatch(idx.map((i) => data.train[i]), aug, rng);
      batches.push(batch.xq, batch.xk);
      const r = moco.step(batch, opt, lr);
      tf.dispose([batch.xq, batch.xk]);
      batches.length = 0;
      const dt = (Date.now() - ts) / 1000;
      // Guard: a non-finite loss term or weight stops the run, naming the step and the term.
      const terms: Array<[string, number]> = [['loss/global', r.global], ...(c.ssl.local.enabled && !Number.isNaN(r.local) ? [['loss/local', r.local] as [string, number]] : []), ['loss/total', r.total]];
      for (const [name, v] of terms) {
        if (!Number.isFinite(v)) {
          throw new TrainingError(`step ${t + 1} (epoch ${epoch + 1}): ${name} is ${v} (lr ${lr.toPrecision(3)}); the run was stopped before the update. Lower pretrain.lr, check the data window, or enable whitening.epsilon larger.`, t + 1, name);
        }
      }
      const badWeight = firstNonFinite(moco);
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
      w.event({ type: 'progress', step: state.step, epoch, totalSteps, imagesPerSec, etaSec: avg * (totalSteps - state.step) });
      o.onStep?.(state.step, r);
      const endOfEpoch = state.stepInEpoch >= stepsPerEpoch;
      if (endOfEpoch) {
        state.epoch++;
        state.stepInEpoch = 0;
        state.order = [];
        if (state.epoch % c.diagnostics.everyEpochs === 0 || state.step === totalSteps) lastDiag = diagnose(state.step, state.epoch);
      }
      const every = c.pretrain.checkpointEvery;
      if ((every > 0 && state.step % every === 0) || state.step === totalSteps) await checkpoint(last);
      if (o.stopAfterStep !== undefined && state.step >= o.stopAfterStep && state.step < totalSteps) {
        return { status: 'stopped', step: state.step, totalSteps, losses: last, diagnostics: lastDiag, localSkipped: skippedTotal, imagesPerSec };
      }
      await new Promise<void>((res) => setImmediate(res)); // let signals be delivered
    }
    if (!lastDiag) lastDiag = diagnose(state.step, state.epoch);
    w.complete();
    return { status: 'completed', step: state.step, totalSteps, losses: last, diagnostics: lastDiag, localSkipped: skippedTotal, imagesPerSec };
  } catch (e) {
    const err = e as Error;
    const where = e instanceof TrainingError ? `step ${e.step}: ${e.where}` : `pretrain step ${lastStep} (epoch ${lastEpoch + 1})`;
    w.fail(err.message, where);
    throw e;
  } finally {
    tf.dispose(batches);
    moco?.dispose();
    opt?.dispose();
  }
}
