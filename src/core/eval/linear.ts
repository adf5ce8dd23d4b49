/**
 * Linear evaluation (METHOD.md "Downstream segmentation"): the pretrained encoder frozen in
 * evaluation mode (BatchNorm and whitening running statistics, never updated), a 1×1 convolution on
 * its last feature map, upsampled bilinearly to the slice size; loss cross-entropy + soft Dice; only
 * the 1×1 convolution trains (Adam). Because the encoder is frozen and deterministic in evaluation
 * mode, the last feature map of every training slice is computed once and cached; the head then trains
 * on the cache (no augmentation: the features of a frozen encoder are what is being measured).
 * Dice per class per volume on the held-out cases → metrics.json ("linear"), overlays/linear/.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import { LinearHead } from '../models/decoders/linear';
import { ParamStore } from '../models/module';
import type { ResNetEncoder } from '../models/resnet';
import type { RunWriter } from '../runs/types';
import { Rng } from '../util/rng';
import { stackSlices, type SegmentationData } from './data';
import { segmentationLoss } from './losses';
import { saveSegmentationModel } from './savedModel';
import { epochBatches, evaluateHeldOut, writeMetrics, type EvalMetrics } from './segment';

export interface LinearEvalOptions {
  writer: RunWriter;
  /** The frozen encoder (left in evaluation mode; its variables are never written). */
  encoder: ResNetEncoder;
  data: SegmentationData;
  signal?: AbortSignal;
  /** Called after every step (tests, progress). */
  onStep?: (step: number, totalSteps: number, loss: number) => void;
  /** Slices per forward pass of the encoder. Default 32. */
  chunk?: number;
}

/** Last-stage features [N, h, w, C] of slices, encoder in evaluation mode. */
async function encodeAll(
  encoder: ResNetEncoder,
  x: Float32Array,
  n: number,
  size: number,
  chunk: number,
): Promise<{ feats: Float32Array; h: number; w: number; c: number }> {
  let out: Float32Array | null = null;
  let fh = 0,
    fw = 0,
    fc = 0;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const f = tf.tidy(() => {
      const o = encoder.forward(tf.tensor4d(x.subarray(i * size * size, (i + m) * size * size), [m, size, size, 1]));
      return o.stages[3];
    });
    [, fh, fw, fc] = f.shape;
    if (!out) out = new Float32Array(n * fh * fw * fc);
    try {
      out.set((await f.data()) as Float32Array, i * fh * fw * fc);
    } finally {
      f.dispose();
    }
  }
  return { feats: out ?? new Float32Array(0), h: fh, w: fw, c: fc };
}

export async function linearEvaluation(c: ExperimentConfig, o: LinearEvalOptions): Promise<EvalMetrics> {
  const t0 = Date.now();
  const cfg = c.evaluation.linear;
  const { writer: w, encoder, data } = o;
  const chunk = o.chunk ?? 32;
  const wasTraining = encoder.training;
  encoder.eval();
  const store = new ParamStore(new Rng(Rng.hashSeed(`${c.seed}/linear-head`)));
  const optimizer = tf.train.adam(cfg.lr);
  try {
    const S = data.size;
    const tr = stackSlices(data.train);
    const n = data.train.length;
    const { feats, h, w: fw, c: C } = await encodeAll(encoder, tr.x, n, S, chunk);
    const head = new LinearHead(store.scope('head'), C, data.numClasses);
    const vars = head.trainableVariables();
    const rng = new Rng(Rng.hashSeed(`${c.seed}/linear-order`));
    const stepsPerEpoch = Math.ceil(n / cfg.batchSize);
    const total = stepsPerEpoch * cfg.epochs;
    w.log(
      'info',
      `linear evaluation: ${n} training slices (${data.trainCases.length} cases), ${data.heldOut.length} held-out (${data.heldOutCases.length} cases); ` +
        `frozen encoder in evaluation mode, features ${h}×${fw}×${C} cached; 1×1 conv → ${data.numClasses} classes, upsampled to ${S}×${S}; ${cfg.epochs} epochs × ${stepsPerEpoch} steps, Adam lr ${cfg.lr}`,
    );
    let step = 0;
    let lastLoss = Number.NaN;
    const fsz = h * fw * C;
    const tTrain = Date.now(); // the ETA counts head steps only (feature caching is done)
    for (let e = 0; e < cfg.epochs; e++) {
      for (const idx of epochBatches(n, cfg.batchSize, rng)) {
        if (o.signal?.aborted) throw new Error(`linear evaluation cancelled at step ${step}`);
        const xb = new Float32Array(idx.length * fsz);
        const yb = new Int32Array(idx.length * S * S);
        idx.forEach((k, j) => {
          xb.set(feats.subarray(k * fsz, (k + 1) * fsz), j * fsz);
          yb.set(tr.y.subarray(k * S * S, (k + 1) * S * S), j * S * S);
        });
        const loss = tf.tidy(() => {
          const xt = tf.tensor4d(xb, [idx.length, h, fw, C]);
          const yt = tf.tensor3d(yb, [idx.length, S, S], 'int32');
          return (
            optimizer.minimize(() => segmentationLoss(head.forward(xt, [S, S]), yt, cfg.diceWeight).total, true, vars) ??
            tf.scalar(Number.NaN)
          );
        });
        try {
          lastLoss = (await loss.data())[0];
        } finally {
          loss.dispose();
        }
        step++;
        if (!Number.isFinite(lastLoss))
          throw new Error(`linear evaluation: loss is ${lastLoss} at step ${step}; lower evaluation.linear.lr`);
        w.scalar(step, e, 'linear/loss', lastLoss);
        w.event({
          type: 'progress',
          step,
          epoch: e,
          totalSteps: total,
          imagesPerSec: 0,
          etaSec: ((Date.now() - tTrain) / 1000 / step) * (total - step),
          stage: 'linear',
        });
        o.onStep?.(step, total, lastLoss);
        await new Promise<void>((res) => setImmediate(res));
      }
    }
    const ev = await evaluateHeldOut((x) => head.forward(encoder.forward(x).stages[3], [S, S]), data, {
      writer: w,
      tag: 'linear',
      overlaySlices: c.evaluation.overlaySlices,
      chunk,
    });
    const m: EvalMetrics = {
      kind: 'linear',
      numClasses: data.numClasses,
      classNames: data.classNames,
      trainCases: data.trainCases,
      heldOutCases: data.heldOutCases,
      summary: ev.summary,
      cases: ev.cases,
      settings: { ...cfg, featureMap: [h, fw, C], overlays: ev.overlayDir },
      finalLoss: lastLoss,
      seconds: (Date.now() - t0) / 1000,
    };
    if (ev.summary.meanForeground !== null) w.scalar(step, cfg.epochs, 'linear/dice/meanForeground', ev.summary.meanForeground);
    writeMetrics(w, 'linear', m);
    await saveSegmentationModel(
      w.dir,
      {
        kind: 'linear',
        head: 'linear',
        numClasses: data.numClasses,
        classNames: data.classNames,
        sliceSize: S,
        inChannels: encoder.config.inChannels,
        headInChannels: C,
        meanForegroundDice: ev.summary.meanForeground,
      },
      encoder,
      head,
    );
    w.log(
      'info',
      `linear evaluation: mean foreground Dice ${ev.summary.meanForeground?.toFixed(4) ?? 'n/a'} over ${ev.cases.length} held-out cases (${m.seconds.toFixed(1)} s)`,
    );
    return m;
  } finally {
    optimizer.dispose();
    store.dispose();
    encoder.train(wasTraining);
  }
}
