/**
 * Export of a pretraining run's encoder (query side of the newest complete checkpoint, with its
 * BatchNorm and whitening running statistics) and projector to a .safetensors file in torchvision's
 * names and layouts, with `load_in_pytorch.py` beside it. Both files are written to temporary names
 * and renamed, so a reader never sees half a file.
 */
import * as path from 'node:path';
import type { ExperimentConfig } from '../config/types';
import { ParamStore } from '../models/module';
import { Projector } from '../models/projector';
import { ResNetEncoder } from '../models/resnet';
import { loadWeights, writeFileAtomic } from '../models/weights';
import { codeVersion } from '../runs/codeVersion';
import { presetWindow } from '../data/preprocess';
import { intensityPreset } from '../train/data';
import { mocoOptions } from '../train/mocoSetup';
import { Rng } from '../util/rng';
import { describeArchitecture } from './architecture';
import { LOADER_NAME, pytorchLoaderScript } from './pytorchLoader';
import { encodeSafetensors } from './safetensors';
import { encoderToTorchvision, projectorToTorch } from './torchvisionLayout';

export const EXPORT_FORMAT = 'medssl-torchvision-resnet';

/** How the input was normalised, for whoever feeds the exported encoder. */
export function normalisationOf(c: ExperimentConfig): Record<string, unknown> {
  const p = intensityPreset(c);
  const w = presetWindow(p);
  if (w)
    return {
      window: c.data.window,
      clip_hu: w,
      then: 'scale linearly to [0, 1]',
      formula: `(clip(HU, ${w[0]}, ${w[1]}) - ${w[0]}) / ${w[1] - w[0]}`,
    };
  const z = p as Extract<typeof p, { kind: 'zscore' }>;
  const off = z.offset ?? 0;
  return { window: c.data.window, formula: `(HU + ${off} - ${z.mean}) / ${z.std}`, offset: off, mean: z.mean, std: z.std };
}

/** The encoder and projector of a config in one store under the checkpoint's names. */
export function buildExportModels(c: ExperimentConfig): { store: ParamStore; encoder: ResNetEncoder; projector: Projector } {
  const o = mocoOptions(c);
  const store = new ParamStore(new Rng(0));
  const encoder = new ResNetEncoder(o.encoder, store.scope('encoder'));
  const projector = new Projector(
    { inDim: encoder.featureDim, hiddenDim: o.projector.hiddenDim, outDim: o.projector.outDim },
    store.scope('projector'),
  );
  return { store, encoder, projector };
}

export interface ExportInfo {
  runId: string;
  config: ExperimentConfig;
  checkpoint?: string;
}

/** The bytes of the .safetensors file for an encoder (+ projector) and its metadata strings. */
export async function safetensorsOf(encoder: ResNetEncoder, projector: Projector | null, info: ExportInfo): Promise<Buffer> {
  const tensors = [...(await encoderToTorchvision(encoder)), ...(projector ? await projectorToTorch(projector) : [])];
  const metadata: Record<string, string> = {
    format: EXPORT_FORMAT,
    architecture: JSON.stringify(describeArchitecture(encoder)),
    run_id: info.runId,
    code_version: codeVersion(),
    input_channels: String(encoder.config.inChannels),
    normalisation: JSON.stringify(normalisationOf(info.config)),
    config: JSON.stringify(info.config),
  };
  if (info.checkpoint) metadata.checkpoint = path.basename(info.checkpoint);
  return encodeSafetensors(tensors, metadata);
}

/** Writes `<file>` and `load_in_pytorch.py` beside it; returns both paths. */
export async function writeExport(file: string, bytes: Buffer): Promise<{ file: string; loader: string }> {
  const loader = path.join(path.dirname(file), LOADER_NAME);
  await writeFileAtomic(file, bytes);
  await writeFileAtomic(loader, pytorchLoaderScript(path.basename(file)));
  return { file, loader };
}

/** Loads a checkpoint's query side (encoder + projector) for export; the caller disposes the store. */
export async function loadForExport(
  c: ExperimentConfig,
  checkpointDir: string,
): Promise<{ store: ParamStore; encoder: ResNetEncoder; projector: Projector }> {
  const m = buildExportModels(c);
  try {
    // strict false: the checkpoint may also hold the local-loss projector, which is not exported.
    await loadWeights(m.store, path.join(checkpointDir, 'query'), { strict: false });
  } catch (e) {
    m.store.dispose();
    throw e;
  }
  m.encoder.eval();
  return m;
}
