/**
 * Fine-tuning (METHOD.md "Downstream segmentation"): the whole encoder (training mode) and a
 * decoder — U-Net (the CPU default) or DeepLabv3+ — trained end to end with cross-entropy + soft Dice
 * (Adam), from the pretraining's checkpoint or from a random initialisation (the "no pretraining" row),
 * on the slices of a fraction of the training **cases** (label fraction). Random horizontal flips of
 * image and label. Evaluation: encoder and decoder in evaluation mode, Dice per class per volume on the
 * held-out cases → metrics.json ("finetune"), overlays/finetune/.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import { buildDecoder } from '../models/decoders/build';
import { ParamStore } from '../models/module';
import type { ResNetEncoder } from '../models/resnet';
import type { RunWriter } from '../runs/types';
import { Rng } from '../util/rng';
import { labelFractionCases, stackSlices, type SegmentationData } from './data';
import { segmentationLoss } from './losses';
import { saveSegmentationModel } from './savedModel';
import { epochBatches, evaluateHeldOut, writeMetrics, type EvalMetrics } from './segment';

export interface FinetuneOptions {
  writer: RunWriter;
  /** The encoder to fine-tune (pretrained or freshly initialised); its weights are changed in place. */
  encoder: ResNetEncoder;
  data: SegmentationData;
  /** 'pretrained' or 'random', for the record. */
  init: 'pretrained' | 'random';
  signal?: AbortSignal;
  onStep?: (step: number, totalSteps: number, loss: number) => void;
  chunk?: number;
}

export async function finetuneEvaluation(c: ExperimentConfig, o: FinetuneOptions): Promise<EvalMetrics> {
  const t0 = Date.now();
  const cfg = c.evaluation.finetune;
  const { writer: w, encoder, data } = o;
  const S = data.size;
  const store = new ParamStore(new Rng(Rng.hashSeed(`${c.seed}/finetune-decoder`)));
  const decoder = buildDecoder(cfg.decoder, encoder, data.numClasses, store);
  const optimizer = tf.train.adam(cfg.lr);
  const rng = new Rng(Rng.hashSeed(`${c.seed}/finetune-order`));
  try {
    const cases = labelFractionCases(data.trainCases, cfg.labelFraction, c.seed);
    const keep = new Set(cases);
    const slices = data.train.filter((s) => keep.has(s.caseId));
    const tr = stackSlices(slices);
    const n = slices.length;
    if (n < 2) throw new Error(`fine-tuning: ${n} labelled training slice(s) with labelFraction ${cfg.labelFraction}; need at least 2`);
    const vars = [...encoder.trainableVariables(), ...decoder.trainableVariables()];
    const stepsPerEpoch = Math.ceil(n / cfg.batchSize);
    const total = stepsPerEpoch * cfg.epochs;
    w.log(
      'info',
      `fine-tuning: ${cfg.decoder} decoder, encoder ${o.init}, ${cases.length}/${data.trainCases.length} training cases (label fraction ${cfg.labelFraction}, ${n} slices), ` +
        `${data.heldOutCases.length} held-out cases; ${cfg.epochs} epochs × ${stepsPerEpoch} steps, Adam lr ${cfg.lr}; ${encoder.numParameters() + decoder.numParameters()} parameters`,
    );
    let step = 0;
    let lastLoss = Number.NaN;
    const P = S * S;
    for (let e = 0; e < cfg.epochs; e++) {
      for (const idx of epochBatches(n, cfg.batchSize, rng)) {
        if (idx.length < 2) continue; // BatchNorm needs two samples
        if (o.signal?.aborted) throw new Error(`fine-tuning cancelled at step ${step}`);
        const xb = new Float32Array(idx.length * P);
        const yb = new Int32Array(idx.length * P);
        idx.forEach((k, j) => {
          const flip = rng.next() < 0.5;
          for (let r = 0; r < S; r++)
            for (let q = 0; q < S; q++) {
              const src = k * P + r * S + (flip ? S - 1 - q : q);
              xb[j * P + r * S + q] = tr.x[src];
              yb[j * P + r * S + q] = tr.y[src];
            }
        });
        encoder.train(true);
        decoder.train(true);
        const loss = tf.tidy(() => {
          const xt = tf.tensor4d(xb, [idx.length, S, S, 1]);
          const yt = tf.tensor3d(yb, [idx.length, S, S], 'int32');
          return (
            optimizer.minimize(
              () => segmentationLoss(decoder.forward(encoder.forward(xt).stages, [S, S]), yt, cfg.diceWeight).total,
              true,
              vars,
            ) ?? tf.scalar(Number.NaN)
          );
        });
        try {
          lastLoss = (await loss.data())[0];
        } finally {
          loss.dispose();
        }
        step++;
        if (!Number.isFinite(lastLoss)) throw new Error(`fine-tuning: loss is ${lastLoss} at step ${step}; lower evaluation.finetune.lr`);
        w.scalar(step, e, 'finetune/loss', lastLoss);
        w.event({
          type: 'progress',
          step,
          epoch: e,
          totalSteps: total,
          imagesPerSec: 0,
          etaSec: ((Date.now() - t0) / 1000 / step) * (total - step),
          stage: 'finetune',
        });
        o.onStep?.(step, total, lastLoss);
        await new Promise<void>((res) => setImmediate(res));
      }
    }
    encoder.eval();
    decoder.eval();
    const ev = await evaluateHeldOut((x) => decoder.forward(encoder.forward(x).stages, [S, S]), data, {
      writer: w,
      tag: 'finetune',
      overlaySlices: c.evaluation.overlaySlices,
      chunk: o.chunk ?? 16,
    });
    const m: EvalMetrics = {
      kind: 'finetune',
      numClasses: data.numClasses,
      classNames: data.classNames,
      trainCases: cases,
      heldOutCases: data.heldOutCases,
      summary: ev.summary,
      cases: ev.cases,
      settings: { ...cfg, init: o.init, overlays: ev.overlayDir },
      finalLoss: lastLoss,
      seconds: (Date.now() - t0) / 1000,
    };
    if (ev.summary.meanForeground !== null) w.scalar(step, cfg.epochs, 'finetune/dice/meanForeground', ev.summary.meanForeground);
    writeMetrics(w, 'finetune', m);
    await saveSegmentationModel(
      w.dir,
      {
        kind: 'finetune',
        head: cfg.decoder,
        numClasses: data.numClasses,
        classNames: data.classNames,
        sliceSize: S,
        inChannels: encoder.config.inChannels,
        headInChannels: null,
        meanForegroundDice: ev.summary.meanForeground,
      },
      encoder,
      decoder,
    );
    w.log(
      'info',
      `fine-tuning: mean foreground Dice ${ev.summary.meanForeground?.toFixed(4) ?? 'n/a'} over ${ev.cases.length} held-out cases (${m.seconds.toFixed(1)} s)`,
    );
    return m;
  } finally {
    optimizer.dispose();
    store.dispose();
  }
}
