/**
 * The segmentation model an evaluation trained (encoder + linear head or decoder), saved in the run
 * folder so that it can be used after the run: `medssl predict` segments new volumes with it and
 * `medssl export --format onnx` writes it for onnxruntime. Layout (docs/DESIGN.md, run folder):
 *   models/<kind>/encoder/{manifest.json,weights.bin}  the encoder as evaluated (frozen or fine-tuned)
 *   models/<kind>/head/{manifest.json,weights.bin}     the 1×1 head (linear) or the decoder (finetune)
 *   models/<kind>/model.json                           what to build: head kind, classes, slice size
 * The folder is written under a temporary name and renamed, so a reader sees the old model or the new
 * one, never half of one; model.json is what marks it complete.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import { buildDecoder } from '../models/decoders/build';
import { LinearHead } from '../models/decoders/linear';
import type { SegDecoder } from '../models/decoders/unet';
import { ParamStore, type Module } from '../models/module';
import type { ResNetEncoder } from '../models/resnet';
import { loadWeights, saveWeights, writeFileAtomic } from '../models/weights';
import { Rng } from '../util/rng';
import { buildEncoder } from './segment';

export type SavedModelKind = 'linear' | 'finetune';
export type HeadKind = 'linear' | 'unet' | 'deeplabv3plus';

export const SAVED_MODEL_FORMAT = 'medssl-segmentation-model';
export const MODEL_JSON = 'model.json';

export interface SavedModelMeta {
  format: typeof SAVED_MODEL_FORMAT;
  version: 1;
  kind: SavedModelKind;
  head: HeadKind;
  numClasses: number;
  classNames: string[];
  /** Square slice size the model was trained and evaluated at (the input it expects, [N, S, S, 1]). */
  sliceSize: number;
  inChannels: number;
  /** Encoder channels the linear head reads (last stage); null for decoders. */
  headInChannels: number | null;
  /** Held-out mean foreground Dice this model reached in its evaluation (for the quick pick). */
  meanForegroundDice: number | null;
  savedAt: string;
}

/** `models/<kind>` of a run folder. */
export function savedModelDir(runDir: string, kind: SavedModelKind): string {
  return path.join(runDir, 'models', kind);
}

/** Saves encoder + head as `models/<kind>/` (temporary folder, then one rename). */
export async function saveSegmentationModel(
  runDir: string,
  meta: Omit<SavedModelMeta, 'format' | 'version' | 'savedAt'>,
  encoder: ResNetEncoder,
  head: Module,
): Promise<string> {
  const final = savedModelDir(runDir, meta.kind);
  const tmp = path.join(runDir, 'models', `.${meta.kind}-${process.pid}-${Date.now()}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await saveWeights(encoder.store, path.join(tmp, 'encoder'));
    await saveWeights(head, path.join(tmp, 'head'));
    const full: SavedModelMeta = { format: SAVED_MODEL_FORMAT, version: 1, ...meta, savedAt: new Date().toISOString() };
    await writeFileAtomic(path.join(tmp, MODEL_JSON), JSON.stringify(full, null, 1));
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(tmp, final);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return final;
}

/** The saved models of a run folder, best first (fine-tuned before linear), with their metadata. */
export async function listSavedModels(runDir: string): Promise<SavedModelMeta[]> {
  const out: SavedModelMeta[] = [];
  for (const kind of ['finetune', 'linear'] as const) {
    const meta = await readSavedModelMeta(runDir, kind);
    if (meta) out.push(meta);
  }
  return out;
}

export async function readSavedModelMeta(runDir: string, kind: SavedModelKind): Promise<SavedModelMeta | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(savedModelDir(runDir, kind), MODEL_JSON), 'utf8');
  } catch {
    return null;
  }
  const m = JSON.parse(text) as SavedModelMeta;
  if (m.format !== SAVED_MODEL_FORMAT)
    throw new Error(`${path.join(savedModelDir(runDir, kind), MODEL_JSON)}: not a ${SAVED_MODEL_FORMAT} file`);
  return m;
}

export interface SegmentationModel {
  meta: SavedModelMeta;
  encoder: ResNetEncoder;
  head: LinearHead | SegDecoder;
  /** Logits [N, S, S, K] for slices [N, S, S, 1] in the run's normalisation; evaluation mode. */
  logits(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Builds the head a saved model names, in its own store, under the scope the evaluation used. */
function buildHead(meta: SavedModelMeta, encoder: ResNetEncoder, store: ParamStore): LinearHead | SegDecoder {
  if (meta.head === 'linear') return new LinearHead(store.scope('head'), meta.headInChannels ?? encoder.featureDim, meta.numClasses);
  return buildDecoder(meta.head, encoder, meta.numClasses, store);
}

/**
 * Loads `models/<kind>` of a run (default: the fine-tuned model if there is one, else the linear one).
 * Errors say what is missing and which command makes it.
 */
export async function loadSegmentationModel(c: ExperimentConfig, runDir: string, kind?: SavedModelKind): Promise<SegmentationModel> {
  const metas = await listSavedModels(runDir);
  const meta = kind ? metas.find((m) => m.kind === kind) : metas[0];
  if (!meta) {
    const what = kind ? `no ${kind} model` : 'no segmentation model';
    throw new Error(
      `${runDir}: ${what} (models/${kind ?? '<linear|finetune>'}/model.json); evaluate it first: medssl evaluate ${runDir} --mode ${kind ?? 'finetune'}`,
    );
  }
  const dir = savedModelDir(runDir, meta.kind);
  const encoder = buildEncoder(c);
  const store = new ParamStore(new Rng(0));
  try {
    const head = buildHead(meta, encoder, store);
    await loadWeights(encoder.store, path.join(dir, 'encoder'));
    await loadWeights(head, path.join(dir, 'head'));
    encoder.eval();
    head.eval();
    const S = meta.sliceSize;
    const logits = (x: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        const o = encoder.forward(x);
        return head instanceof LinearHead ? head.forward(o.stages[3], [S, S]) : head.forward(o.stages, [S, S]);
      });
    return {
      meta,
      encoder,
      head,
      logits,
      dispose: () => {
        encoder.store.dispose();
        store.dispose();
      },
    };
  } catch (e) {
    encoder.store.dispose();
    store.dispose();
    throw e;
  }
}
