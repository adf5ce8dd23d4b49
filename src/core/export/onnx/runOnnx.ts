/**
 * Which ONNX model a run folder gives, and its bytes. An evaluation run (linear or fine-tune) saved its
 * segmentation model under models/<kind>/; a pretraining run has only its encoder (newest complete
 * checkpoint, query side). Default: the segmentation model when the run has one, else the encoder.
 * Errors are one line naming the folder and, where it helps, the command that makes what is missing.
 */
import * as path from 'node:path';
import type { ExperimentConfig } from '../../config/types';
import { listSavedModels, loadSegmentationModel, type SavedModelMeta } from '../../eval/savedModel';
import type { RunJson } from '../../runs';
import { latestCheckpoint } from '../../train/checkpoint';
import { loadForExport } from '../exportRun';
import { encoderOnnx, segmentationOnnx, type OnnxModel, type OnnxModelKind } from './onnxModel';

export const ONNX_MODEL_KINDS: readonly OnnxModelKind[] = ['finetune', 'linear', 'encoder'];

/** Bad input: the message is the whole story (no stack trace for the user). */
export class OnnxExportError extends Error {}

async function savedModels(dir: string): Promise<SavedModelMeta[]> {
  try {
    return await listSavedModels(dir);
  } catch (e) {
    throw new OnnxExportError((e as Error).message);
  }
}

function missingModel(dir: string, run: RunJson, kind: 'linear' | 'finetune', saved: SavedModelMeta[]): OnnxExportError {
  const has = saved.length ? `; it has ${saved.map((m) => m.kind).join(' and ')}` : '';
  const how =
    run.stage === 'linear' || run.stage === 'finetune'
      ? `(a ${run.stage} evaluation${has})`
      : `(a ${run.stage} run; evaluate it first: medssl evaluate ${dir} --mode ${kind}, then export that evaluation's run folder)`;
  return new OnnxExportError(`${dir}: run ${run.id} has no ${kind} model (models/${kind}/model.json) ${how}`);
}

/**
 * The ONNX model `kind` of a run folder (default: its best saved segmentation model, else its encoder). `config` is the run's
 * resolved config; `onWarning` hears about broken newer checkpoints that were skipped.
 */
export async function onnxOfRun(
  dir: string,
  run: RunJson,
  config: ExperimentConfig,
  kind: OnnxModelKind | undefined,
  onWarning: (s: string) => void = () => {},
): Promise<OnnxModel> {
  const saved = await savedModels(dir);
  const want = kind ?? (saved.length ? saved[0].kind : 'encoder');
  const info = { runId: run.id, config };
  if (want === 'encoder' && saved.length === 0) {
    let checkpoint: string | null;
    try {
      checkpoint = await latestCheckpoint(dir, onWarning);
    } catch (e) {
      throw new OnnxExportError(`${dir}: ${(e as Error).message}`);
    }
    if (!checkpoint) {
      throw new OnnxExportError(
        run.stage === 'linear' || run.stage === 'finetune'
          ? `${dir}: run ${run.id} is a ${run.stage} evaluation without a saved model (models/); evaluate its source run again to save one`
          : `${dir}: no complete checkpoint (checkpoints/latest) to export; the pretraining saved none`,
      );
    }
    const m = await loadForExport(config, checkpoint);
    try {
      return await encoderOnnx(m.encoder, { ...info, source: path.relative(dir, checkpoint) });
    } finally {
      m.store.dispose();
    }
  }
  // The encoder of an evaluation run is the one it evaluated (fine-tuned, for a fine-tune run).
  const from = want === 'encoder' ? saved[0].kind : want;
  if (!saved.some((m) => m.kind === from)) throw missingModel(dir, run, from, saved);
  const model = await loadSegmentationModel(config, dir, from);
  try {
    const source = path.join('models', from);
    return want === 'encoder'
      ? await encoderOnnx(model.encoder, { ...info, source })
      : await segmentationOnnx(model.encoder, model.head, model.meta, { ...info, source });
  } finally {
    model.dispose();
  }
}
