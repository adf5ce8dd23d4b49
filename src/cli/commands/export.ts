/**
 * `medssl export <runDir> [--format safetensors|onnx] [--model finetune|linear|encoder] [--out FILE] [--json]`
 *
 * safetensors: the pretrained encoder (query side of the newest complete checkpoint) and its projector
 * in torchvision's ResNet names and layouts, with `load_in_pytorch.py` beside it. Default output:
 * <runDir>/export/<run id>.safetensors.
 * onnx: the segmentation model an evaluation run saved (models/<kind>/: encoder + linear head or
 * decoder), or an encoder alone (a pretraining run's checkpoint, or the encoder an evaluation
 * evaluated), opset 17, NCHW. Default model: the run's segmentation model if it has one, else its
 * encoder; default output: <runDir>/export/<run id>-<model>.onnx.
 * Bad input (not a run folder, no checkpoint or saved model, an unknown format or model, an output that
 * cannot be written) → exit 2 with one line naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { loadForExport, safetensorsOf, writeExport } from '../../core/export/exportRun';
import type { OnnxModelKind } from '../../core/export/onnx/onnxModel';
import { ONNX_MODEL_KINDS, OnnxExportError, onnxOfRun } from '../../core/export/onnx/runOnnx';
import { writeFileAtomic } from '../../core/models/weights';
import { CONFIG_YAML, readRun, type RunJson } from '../../core/runs';
import { latestCheckpoint } from '../../core/train/checkpoint';
import { EXIT } from '../errors';

export const EXPORT_FORMATS = ['safetensors', 'onnx'] as const;

export interface ExportArgs {
  runDir: string;
  format: string;
  /** onnx only: finetune | linear | encoder (default: the run's segmentation model, else its encoder). */
  model?: string;
  out?: string;
  json: boolean;
}

type Out = (s: string) => void;

/** The run folder's run.json and resolved config, or why it is not a run folder. */
async function readRunFolder(dir: string): Promise<{ error: string } | { run: RunJson; config: ExperimentConfig }> {
  if (!fs.existsSync(dir)) return { error: `medssl export: ${dir}: no such folder` };
  if (!fs.statSync(dir).isDirectory()) return { error: `medssl export: ${dir}: not a run folder (a file, not a folder)` };
  let run: RunJson;
  try {
    run = readRun(dir);
  } catch (e) {
    return { error: `medssl export: ${(e as Error).message}` };
  }
  const configFile = path.join(dir, CONFIG_YAML);
  if (!fs.existsSync(configFile)) return { error: `medssl export: ${dir}: not a run folder (no ${CONFIG_YAML})` };
  try {
    return { run, config: (await loadConfig(configFile)).config };
  } catch (e) {
    return { error: e instanceof ConfigError ? e.message : `medssl export: ${configFile}: ${(e as Error).message}` };
  }
}

async function checkpointOf(dir: string, run: RunJson, err: Out): Promise<{ error: string } | { checkpoint: string }> {
  if (run.stage === 'linear' || run.stage === 'finetune') {
    return {
      error: `${dir}: run ${run.id} is a ${run.stage} evaluation; export its source pretraining run (its encoder is the one evaluated), or its segmentation model with --format onnx`,
    };
  }
  let checkpoint: string | null;
  try {
    checkpoint = await latestCheckpoint(dir, (w) => err(`warning: ${w}`));
  } catch (e) {
    return { error: `${dir}: ${(e as Error).message}` };
  }
  if (!checkpoint) return { error: `${dir}: no complete checkpoint (checkpoints/latest) to export; the pretraining saved none` };
  return { checkpoint };
}

function writeProblem(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOSPC'
        ? 'no space left on the device'
        : code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR'
          ? 'a file or folder is in the way'
          : (e as Error).message;
  return `medssl export: cannot write ${file}: ${reason}`;
}

async function exportSafetensors(
  dir: string,
  run: RunJson,
  config: ExperimentConfig,
  args: ExportArgs,
  out: Out,
  err: Out,
): Promise<number> {
  const found = await checkpointOf(dir, run, err);
  if ('error' in found) {
    err(`medssl export: ${found.error}`);
    return EXIT.badInput;
  }
  const { checkpoint } = found;
  if (run.status !== 'completed')
    err(`warning: ${dir}: run ${run.id} is ${run.status}; exporting its checkpoint ${path.basename(checkpoint)}`);
  let bytes: Buffer;
  try {
    const m = await loadForExport(config, checkpoint);
    try {
      bytes = await safetensorsOf(m.encoder, m.projector, { runId: run.id, config, checkpoint });
    } finally {
      m.store.dispose();
    }
  } catch (e) {
    err(`medssl export: ${checkpoint}: ${(e as Error).message.split('\n').join(' ')}`);
    return EXIT.badInput;
  }
  const file = path.resolve(args.out ?? path.join(dir, 'export', `${run.id}.safetensors`));
  let written: { file: string; loader: string };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    written = await writeExport(file, bytes);
  } catch (e) {
    err(writeProblem(file, e));
    return EXIT.badInput;
  }
  if (args.json)
    out(
      JSON.stringify({
        type: 'export',
        format: 'safetensors',
        file: written.file,
        loader: written.loader,
        runId: run.id,
        checkpoint,
        bytes: bytes.byteLength,
      }),
    );
  else {
    out(written.file);
    out(written.loader);
  }
  return EXIT.ok;
}

async function exportOnnx(dir: string, run: RunJson, config: ExperimentConfig, args: ExportArgs, out: Out, err: Out): Promise<number> {
  let model;
  try {
    model = await onnxOfRun(dir, run, config, args.model as OnnxModelKind | undefined, (w) => err(`warning: ${w}`));
  } catch (e) {
    const msg = (e as Error).message.split('\n').join(' ');
    err(e instanceof OnnxExportError ? `medssl export: ${msg}` : `medssl export: ${dir}: ${msg}`);
    return EXIT.badInput;
  }
  if (run.status !== 'completed') err(`warning: ${dir}: run ${run.id} is ${run.status}; exporting what it saved`);
  const file = path.resolve(args.out ?? path.join(dir, 'export', `${run.id}-${model.kind}.onnx`));
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, model.bytes);
  } catch (e) {
    err(writeProblem(file, e));
    return EXIT.badInput;
  }
  if (args.json) {
    const { kind, input, output } = model;
    out(JSON.stringify({ type: 'export', format: 'onnx', file, model: kind, input, output, runId: run.id, bytes: model.bytes.byteLength }));
  } else out(file);
  return EXIT.ok;
}

export async function exportCommand(args: ExportArgs, out: Out, err: Out): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(args.format)) {
    err(`medssl export: --format takes ${EXPORT_FORMATS.join(' or ')}, got '${args.format}'`);
    return EXIT.badInput;
  }
  if (args.model !== undefined && args.format !== 'onnx') {
    err(`medssl export: --model is for --format onnx (safetensors holds the pretrained encoder and projector)`);
    return EXIT.badInput;
  }
  if (args.model !== undefined && !(ONNX_MODEL_KINDS as readonly string[]).includes(args.model)) {
    err(`medssl export: --model takes ${ONNX_MODEL_KINDS.join(', ')}, got '${args.model}'`);
    return EXIT.badInput;
  }
  const dir = path.resolve(args.runDir);
  const folder = await readRunFolder(dir);
  if ('error' in folder) {
    err(folder.error);
    return EXIT.badInput;
  }
  // Export only reads and rearranges weights (no training): the pure-JS backend, which needs no setup.
  await tf.setBackend('cpu');
  await tf.ready();
  return args.format === 'onnx'
    ? exportOnnx(dir, folder.run, folder.config, args, out, err)
    : exportSafetensors(dir, folder.run, folder.config, args, out, err);
}
