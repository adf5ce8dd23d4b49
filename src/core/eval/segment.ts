/**
 * Shared by linear evaluation and fine-tuning: the encoder of a pretraining run, predicting the
 * held-out cases, Dice per class per volume, overlays, and metrics.json (merged per evaluation kind).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import { summarizeDice, VolumeDice, type CaseDice, type DiceSummary, type SliceDice } from '../metrics/dice';
import { ParamStore } from '../models/module';
import { ResNetEncoder } from '../models/resnet';
import { loadWeights } from '../models/weights';
import type { RunWriter } from '../runs/types';
import { latestCheckpoint } from '../train/checkpoint';
import { mocoOptions } from '../train/mocoSetup';
import { Rng } from '../util/rng';
import type { LabelledSlice, SegmentationData } from './data';
import { stackSlices } from './data';
import { chooseOverlaySlices, encodeOverlays, type OverlaySource } from './overlays';

/** A ResNet encoder as the config describes it, in its own store under 'encoder' (checkpoint names). */
export function buildEncoder(c: ExperimentConfig, seed = c.seed): ResNetEncoder {
  const store = new ParamStore(new Rng(Rng.hashSeed(`${seed}/downstream-encoder`)));
  return new ResNetEncoder(mocoOptions(c).encoder, store.scope('encoder'));
}

/**
 * The query encoder of a pretraining run's newest complete checkpoint (parameters and buffers:
 * BatchNorm and whitening running statistics). Errors name the run folder.
 */
export async function loadPretrainedEncoder(c: ExperimentConfig, runDir: string): Promise<{ encoder: ResNetEncoder; checkpoint: string }> {
  const dir = await latestCheckpoint(runDir);
  if (!dir) throw new Error(`${runDir}: no complete checkpoint (checkpoints/latest) to evaluate; did the pretraining finish?`);
  const encoder = buildEncoder(c);
  try {
    await loadWeights(encoder.store, path.join(dir, 'query'), { strict: false });
  } catch (e) {
    encoder.store.dispose();
    throw e;
  }
  return { encoder, checkpoint: dir };
}

export interface EvalMetrics {
  kind: 'linear' | 'finetune';
  numClasses: number;
  classNames: string[];
  trainCases: string[];
  heldOutCases: string[];
  summary: DiceSummary;
  /** The per-case table (like nnU-Net's metric_per_case). */
  cases: CaseDice[];
  /** Extra description (decoder, init, label fraction, epochs...). */
  settings: Record<string, unknown>;
  finalLoss: number;
  seconds: number;
}

/**
 * Predicts every held-out slice with `predict` (logits [N, H, W, K] at input size), accumulates Dice per
 * class per volume, and writes overlays/<tag>/ when `overlaySlices` > 0.
 */
export async function evaluateHeldOut(
  predict: (x: tf.Tensor4D) => tf.Tensor4D,
  data: SegmentationData,
  o: { writer?: RunWriter; tag: string; overlaySlices: number; chunk: number },
): Promise<{ cases: CaseDice[]; summary: DiceSummary; overlayDir: string | null }> {
  const K = data.numClasses;
  const vd = new VolumeDice(K);
  const preds: Uint8Array[] = [];
  const perSlice: SliceDice[] = [];
  const slices = data.heldOut;
  for (let i = 0; i < slices.length; i += o.chunk) {
    const part = slices.slice(i, i + o.chunk);
    const { x, h, w } = stackSlices(part);
    const p = tf.tidy(() => {
      const xt = tf.tensor4d(x, [part.length, h, w, 1]);
      return tf.argMax(predict(xt), 3);
    });
    let arr: Int32Array;
    try {
      arr = (await p.data()) as Int32Array;
    } finally {
      p.dispose();
    }
    part.forEach((s, j) => {
      const pr = Uint8Array.from(arr.subarray(j * h * w, (j + 1) * h * w));
      preds.push(pr);
      perSlice.push(vd.add(s.caseId, s.label.data, pr, s.z));
    });
  }
  const cases = vd.cases();
  const summary = summarizeDice(cases, K);
  let overlayDir: string | null = null;
  if (o.writer && o.overlaySlices > 0 && slices.length > 0) {
    const keep = chooseOverlaySlices(perSlice, K, o.overlaySlices);
    const sources: OverlaySource[] = keep.map((i) => ({
      caseId: slices[i].caseId,
      z: slices[i].z,
      image: slices[i].image.data,
      truth: slices[i].label.data,
      pred: preds[i],
      dice: perSlice[i],
    }));
    const { index, data: bytes } = encodeOverlays(sources, {
      width: data.size,
      height: data.size,
      numClasses: K,
      classNames: data.classNames,
      displayRange: data.displayRange,
    });
    o.writer.writeBytes(`overlays/${o.tag}/slices.bin`, bytes, 'overlays-data');
    o.writer.writeJson(`overlays/${o.tag}/index.json`, index, 'overlays');
    overlayDir = `overlays/${o.tag}`;
  }
  return { cases, summary, overlayDir };
}

export const METRICS_JSON = 'metrics.json';

/** Merges one evaluation's metrics into the run's metrics.json (atomically, with an artifact event). */
export function writeMetrics(writer: RunWriter, key: string, value: unknown): Record<string, unknown> {
  const file = path.join(writer.dir, METRICS_JSON);
  let cur: Record<string, unknown> = {};
  try {
    cur = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    /* first evaluation */
  }
  const next = { ...cur, [key]: value };
  writer.writeJson(METRICS_JSON, next, 'metrics');
  return next;
}

/** Seeded batches of indices over n items, one epoch. */
export function epochBatches(n: number, batch: number, rng: Rng): number[][] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const out: number[][] = [];
  for (let i = 0; i < n; i += batch) out.push(order.slice(i, i + batch));
  return out;
}

export type { LabelledSlice };
