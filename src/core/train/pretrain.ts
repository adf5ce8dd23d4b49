/**
 * The pretraining loop: MoCo v2 (+ local loss, + whitening per config) on the configured data,
 * seeded; SGD momentum + weight decay with linear warm-up + cosine per step; events through the run
 * writer; a NaN/Inf guard naming the step and the loss term (or the weight); diagnostics at step 0
 * (a fresh run) and every N epochs; atomic checkpoints and exact resume; cancellation (AbortSignal, wired to SIGTERM/SIGINT by
 * the CLI) → checkpoint, status cancelled.
 *
 * Cores: the loop drives {@link Replicas}: with `pretrain.workers` = 1 (or 'auto' off the wasm
 * backend) one replica in this process; with W > 1 ('auto' = one per core, at most 2, on wasm) W
 * worker_thread replicas (workerReplicas.ts). Either way the views and the key-BN permutation are
 * drawn here from the one generator, each replica takes 1/W of the batch, and replica 0 saves
 * checkpoints and computes diagnostics.
 *
 * One generator per run: model initialisation (query side, key side, queue; each replica draws it
 * from Rng(seed) and the loop continues from that state), each epoch's slice order, the augmentations
 * and the shuffled key-BN permutation all draw from one Rng(seed); its state is in every checkpoint,
 * so a resumed run draws exactly what the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { RunWriter } from '../runs/types';
import { Rng } from '../util/rng';
import { latestCheckpoint, type TrainState } from './checkpoint';
import { DataConfigError, loadPretrainData, makeViews, viewAugment, type PretrainData } from './data';
import type { Slice } from '../data/volume';
import { checkBatchFits, checkGpuBufferLimits, WASM_HEAP_LIMIT_BYTES } from '../models/memoryEstimate';
import { webgpuStarted } from '../backend/webgpu/start';
import { pickSlices, type Diagnostics } from './diagnostics';
import { LocalReplicas } from './localReplicas';
import { keyPermutation, resolveWorkers, type Replicas, type ReplicasStepResult } from './replicas';
import { lrAt, type LrSchedule } from './schedule';
import { mocoOptions } from './mocoSetup';
import { WorkerReplicas, type WorkerFault } from './workerReplicas';

export { mocoOptions };

export class TrainingError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly where: string,
  ) {
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

/** What a run is made of before its first step. */
interface RunPlan {
  data: PretrainData;
  B: number;
  stepsPerEpoch: number;
  totalSteps: number;
  schedule: LrSchedule;
  diagSlices: Slice[];
  backend: string;
  workers: number;
  note: string;
}

/** Runs (or resumes) a pretraining; sets the run's terminal status. */
export async function pretrain(c: ExperimentConfig, o: PretrainOptions): Promise<PretrainResult> {
  const w = o.writer;
  let at = { step: 0, epoch: 0 };
  let replicas: Replicas | null = null;
  try {
    const plan = await planRun(c, w);
    const { data, B, totalSteps, schedule } = plan;
    replicas = await startReplicas(c, plan, o);
    const rng = new Rng(c.seed);
    rng.setState(replicas.rngState); // the replicas drew the model's initialisation from Rng(seed)
    logStart(w, c, plan, replicas.info);
    const state = await startState(w, replicas, schedule, rng, o);
    const saveCheckpoint = async (losses?: Record<string, number>) => {
      const dir = await replicas!.checkpoint(w.dir, { ...state, rng: rng.getState(), losses });
      w.event({ type: 'artifact', step: state.step, epoch: state.epoch, path: `checkpoints/${state.step}`, kind: 'checkpoint' });
      return dir;
    };
    const diagnose = (): Promise<Diagnostics | null> => writeDiagnostics(w, replicas!, plan, state.step, state.epoch);
    const aug = viewAugment(c);
    let last = { total: Number.NaN, global: Number.NaN, local: Number.NaN };
    let lastDiag: Diagnostics | null = null;
    let skippedTotal = 0;
    let imagesPerSec = 0;
    const t0 = Date.now();
    let stepsThisSession = 0;
    // The initialised encoder, before the first update: where each layer's spectrum starts from.
    if (state.step === 0) await diagnose();
    const result = (status: PretrainResult['status']): PretrainResult => ({
      status,
      step: state.step,
      totalSteps,
      losses: last,
      diagnostics: lastDiag,
      localSkipped: skippedTotal,
      imagesPerSec,
    });
    while (state.step < totalSteps) {
      if (o.signal?.aborted) {
        await saveCheckpoint(last);
        w.cancel(`cancelled at step ${state.step}; checkpoint saved`);
        return result('cancelled');
      }
      if (state.stepInEpoch === 0 || state.order.length === 0) {
        // The same shuffle as before while the prepared slices fit in the loader's cache; case windows beyond it.
        state.order = data.train.epochOrder((a) => rng.shuffle(a));
      }
      at = { step: state.step + 1, epoch: state.epoch };
      const lr = lrAt(schedule, state.step);
      const idx = state.order.slice(state.stepInEpoch * B, (state.stepInEpoch + 1) * B);
      // The next batch's cases are read (and gunzipped) in the background while this step runs; a bad case
      // surfaces when its slice is indexed, with the loader's message, so the rejection is dropped here.
      data.train.prefetch(state.order.slice((state.stepInEpoch + 1) * B, (state.stepInEpoch + 2) * B)).catch(() => undefined);
      const ts = Date.now();
      const views = makeViews(await data.train.read(idx), aug, rng);
      const r = await replicas.step(views, keyPermutation(B, c.ssl.shuffleBn, rng), lr);
      const dt = (Date.now() - ts) / 1000;
      guardFinite(c, r, at, lr);
      state.step++;
      state.stepInEpoch++;
      stepsThisSession++;
      skippedTotal += r.localSkipped;
      last = { total: r.total, global: r.global, local: r.local };
      imagesPerSec = B / Math.max(dt, 1e-6);
      const etaSec = ((Date.now() - t0) / 1000 / stepsThisSession) * (totalSteps - state.step);
      reportStep(w, c, state.step, state.epoch, r, lr, imagesPerSec);
      w.event({ type: 'progress', step: state.step, epoch: state.epoch, totalSteps, imagesPerSec, etaSec, stage: 'pretrain' });
      o.onStep?.(state.step, r);
      if (state.stepInEpoch >= plan.stepsPerEpoch) {
        state.epoch++;
        state.stepInEpoch = 0;
        state.order = [];
        if (state.epoch % c.diagnostics.everyEpochs === 0 || state.step === totalSteps) lastDiag = await diagnose();
      }
      const every = c.pretrain.checkpointEvery;
      if ((every > 0 && state.step % every === 0) || state.step === totalSteps) await saveCheckpoint(last);
      if (o.stopAfterStep !== undefined && state.step >= o.stopAfterStep && state.step < totalSteps) return result('stopped');
      await new Promise<void>((res) => setImmediate(res)); // let signals be delivered
    }
    if (!lastDiag) lastDiag = await diagnose();
    w.complete();
    return result('completed');
  } catch (e) {
    const err = e as Error;
    const where = e instanceof TrainingError ? `step ${e.step}: ${e.where}` : `pretrain step ${at.step} (epoch ${at.epoch + 1})`;
    w.fail(err.message, where);
    throw e;
  } finally {
    await replicas?.close();
  }
}

/** The data, the schedule and the replica count of a run, checked (a too-small queue warns; a batch past the wasm heap is refused). */
async function planRun(c: ExperimentConfig, w: RunWriter): Promise<RunPlan> {
  const data = loadPretrainData(c);
  const B = c.pretrain.batchSize;
  const stepsPerEpoch = Math.floor(data.train.count / B);
  const totalSteps = stepsPerEpoch * c.pretrain.epochs;
  const base = c.pretrain.lr === 'auto' ? (0.03 * B) / 256 : c.pretrain.lr;
  const schedule: LrSchedule = {
    base,
    totalSteps,
    warmupSteps: Math.round(c.pretrain.warmupEpochs * stepsPerEpoch),
    kind: c.pretrain.schedule,
  };
  const diagSlices = await data.heldOut.read(
    pickSlices(
      Array.from({ length: data.heldOut.count }, (_, i) => i),
      c.diagnostics.slices,
    ),
  );
  const backend = tf.getBackend();
  const { workers, note } = resolveWorkers(c, backend);
  if (c.ssl.queueSize >= data.train.count) {
    // Then the queue holds older keys of the very slices in the batch: "negatives" that are the
    // positive's own image, which drives the InfoNCE accuracy to 0 and the loss towards log(K+1).
    w.log(
      'warn',
      `ssl.queueSize (${c.ssl.queueSize}) is not smaller than the ${data.train.count} training slices: the queue will hold ` +
        `keys of the same slices as negatives. Use a queue well below the dataset size (e.g. ${suggestQueue(data.train.count, B)}).`,
    );
  }
  if (backend === 'wasm') {
    // Each wasm instance dies without a JavaScript error past 4 GiB: refuse a batch that will not fit
    // and name one that does. The key encoder is one more copy of the parameters (no activations kept).
    const fit = checkBatchFits(mocoOptions(c).encoder, B, c.data.size, WASM_HEAP_LIMIT_BYTES, { workers, extraParamCopies: 1 });
    if (!fit.ok) throw new DataConfigError('pretrain.batchSize', fit.message);
  }
  const gpu = backend === 'webgpu' ? webgpuStarted() : undefined;
  if (gpu) {
    // WebGPU has no free-memory query, and a buffer past the device's limits gives wrong values, not
    // an error: refuse such a batch up front and name one that fits.
    const fit = checkGpuBufferLimits(mocoOptions(c).encoder, B, c.data.size, gpu.limits);
    if (!fit.ok) throw new DataConfigError('pretrain.batchSize', fit.message);
  }
  return { data, B, stepsPerEpoch, totalSteps, schedule, diagSlices, backend, workers, note };
}

/** One replica in this process, or the worker-thread replicas. */
async function startReplicas(c: ExperimentConfig, p: RunPlan, o: PretrainOptions): Promise<Replicas> {
  if (p.workers === 1) return new LocalReplicas(c, p.diagSlices);
  return WorkerReplicas.start(c, p.workers, p.backend, p.diagSlices.length < 2 ? [] : p.diagSlices, {
    timeoutMs: o.workerTimeoutMs,
    fault: o.workerFault,
  });
}

function logStart(w: RunWriter, c: ExperimentConfig, p: RunPlan, info: Replicas['info']): void {
  const { data } = p;
  w.log(
    'info',
    `pretrain: ${data.train.count} training slices (${data.trainCases.length} cases), ${data.heldOut.count} held-out (${data.heldOutCases.length} cases); ` +
      `${p.stepsPerEpoch} steps/epoch × ${c.pretrain.epochs} epochs; encoder ${info.featureDim}-d, ${info.params} parameters (query side); ` +
      `local loss ${c.ssl.local.enabled ? `on (stage ${c.ssl.local.stage}, ${info.featureSize.join('×')} map, ${c.ssl.local.grid}×${c.ssl.local.grid} regions)` : 'off'}; ` +
      `whitening ${c.model.whitening.enabled ? c.model.whitening.method : 'off'}; key BN: ${c.ssl.shuffleBn}${p.workers > 1 ? ' (per worker share, permuted)' : ''}; ${p.note} (${p.backend})`,
  );
}

/** Step 0, or the newest complete checkpoint's state (the replicas load its weights, `rng` its state) on resume. */
async function startState(w: RunWriter, replicas: Replicas, schedule: LrSchedule, rng: Rng, o: PretrainOptions): Promise<TrainState> {
  const fresh: TrainState = {
    format: 'medssl-pretrain-checkpoint',
    version: 1,
    step: 0,
    epoch: 0,
    stepInEpoch: 0,
    order: [],
    queuePtr: 0,
    schedule,
    rng: rng.getState(),
    configHash: o.configHash,
  };
  if (!o.resume) return fresh;
  const dir = await latestCheckpoint(w.dir);
  if (!dir) {
    w.log('warn', 'resume: no complete checkpoint in this run; starting from step 0');
    return fresh;
  }
  const state = await replicas.load(dir);
  rng.setState(state.rng);
  w.log('info', `resumed from ${dir} (step ${state.step}, epoch ${state.epoch})`, state.step, state.epoch);
  return state;
}

/** Guard: a non-finite loss term or weight stops the run, naming the step and the term. */
function guardFinite(c: ExperimentConfig, r: ReplicasStepResult, at: { step: number; epoch: number }, lr: number): void {
  const terms: Array<[string, number]> = [
    ['loss/global', r.global],
    ...(c.ssl.local.enabled && !Number.isNaN(r.local) ? [['loss/local', r.local] as [string, number]] : []),
    ['loss/total', r.total],
  ];
  for (const [name, v] of terms) {
    if (!Number.isFinite(v)) {
      throw new TrainingError(
        `step ${at.step} (epoch ${at.epoch + 1}): ${name} is ${v} (lr ${lr.toPrecision(3)}); the run was stopped before the update. Lower pretrain.lr, check the data window, or enable whitening.epsilon larger.`,
        at.step,
        name,
      );
    }
  }
  if (r.badWeight)
    throw new TrainingError(
      `step ${at.step} (epoch ${at.epoch + 1}): weight '${r.badWeight}' became NaN/Inf after the update (lr ${lr.toPrecision(3)}); lower pretrain.lr`,
      at.step,
      r.badWeight,
    );
}

function reportStep(
  w: RunWriter,
  c: ExperimentConfig,
  step: number,
  epoch: number,
  r: ReplicasStepResult,
  lr: number,
  imagesPerSec: number,
): void {
  w.scalar(step, epoch, 'loss/total', r.total);
  w.scalar(step, epoch, 'loss/global', r.global);
  if (c.ssl.local.enabled) {
    if (!Number.isNaN(r.local)) w.scalar(step, epoch, 'loss/local', r.local);
    w.scalar(step, epoch, 'local/skippedPairs', r.localSkipped);
  }
  w.scalar(step, epoch, 'lr', lr);
  w.scalar(step, epoch, 'infonce/top1', r.top1);
  w.scalar(step, epoch, 'images/s', imagesPerSec);
}

/** Diagnostics of the replicas at this step, written as diagnostics/<step>.json and scalars; null with fewer than 2 held-out slices. */
async function writeDiagnostics(w: RunWriter, replicas: Replicas, p: RunPlan, step: number, epoch: number): Promise<Diagnostics | null> {
  if (p.diagSlices.length < 2) return null;
  const d = await replicas.diagnose(step, epoch);
  w.writeJson(`diagnostics/${step}.json`, d, 'diagnostics', step, epoch);
  const sc = (name: string, v: number) => w.scalar(step, epoch, name, v);
  sc('diag/representation/rankMe', d.representation.rankMe);
  sc('diag/representation/effectiveRank', d.representation.effectiveRank);
  sc('diag/representation/dims99', d.representation.dims99);
  sc('diag/representation/stdSqrtD', d.representation.stdSqrtD);
  sc('diag/embedding/rankMe', d.embedding.rankMe);
  sc('diag/embedding/effectiveRank', d.embedding.effectiveRank);
  sc('diag/embedding/dims99', d.embedding.dims99);
  sc('diag/embedding/stdSqrtD', d.embedding.stdSqrtD);
  sc('diag/alignment', d.alignment);
  sc('diag/uniformity', d.uniformity);
  sc('diag/infonce/top1', d.top1);
  return d;
}

/** A queue size for a small dataset: a multiple of the batch, about a quarter of the training slices. */
function suggestQueue(trainSlices: number, batch: number): number {
  return Math.max(batch, Math.floor(trainSlices / 4 / batch) * batch);
}
