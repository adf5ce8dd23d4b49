/**
 * `medssl predict <runDir> <input> [--out DIR] [--model linear|finetune] [--probabilities] [--labels FILE|DIR] [--batch N] [--json]`
 *
 * Segments a NIfTI volume, a folder of volumes, a DICOM series folder or a labelled dataset folder
 * with the segmentation model an evaluation saved in the run folder (models/<kind>/), writing label
 * maps on each input's own grid (core/predict/predict.ts). Default output folder: `predictions/`
 * beside an input file, `<folder>-predictions/` beside an input folder. Bad input (not a run folder, a
 * run without a saved model, a volume the model cannot take, an unreadable or truncated file, an output
 * folder that cannot be written) → exit 2 with one line naming it. --json prints one JSON object.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { DataError } from '../../core/data/errors';
import { listSavedModels, loadSegmentationModel, type SavedModelKind, type SegmentationModel } from '../../core/eval/savedModel';
import { PredictInputError, resolveInputs, type PredictCase } from '../../core/predict/inputs';
import { predictCases, type PredictResult } from '../../core/predict/predict';
import { CONFIG_YAML, readRun } from '../../core/runs';
import { intensityPreset } from '../../core/train/data';
import { EXIT } from '../errors';
import { backendForJob } from './jobSetup';

export interface PredictArgs {
  runDir: string;
  input: string;
  out?: string;
  model?: SavedModelKind;
  probabilities: boolean;
  labels?: string;
  batch: number;
  overlaySlices: number;
  json: boolean;
}

type Out = (s: string) => void;

/** `predictions/` beside a file, `<folder>-predictions/` beside a folder. */
export function defaultOutDir(input: string): string {
  const abs = path.resolve(input);
  return fs.existsSync(abs) && fs.statSync(abs).isDirectory()
    ? `${abs.replace(/[\\/]+$/, '')}-predictions`
    : path.join(path.dirname(abs), 'predictions');
}

async function runConfig(dir: string): Promise<{ error: string } | { config: ExperimentConfig }> {
  if (!fs.existsSync(dir)) return { error: `${dir}: no such folder` };
  if (!fs.statSync(dir).isDirectory()) return { error: `${dir}: not a run folder (a file, not a folder)` };
  const file = path.join(dir, CONFIG_YAML);
  if (!fs.existsSync(file)) return { error: `${dir}: not a run folder (no ${CONFIG_YAML})` };
  try {
    return { config: (await loadConfig(file)).config };
  } catch (e) {
    return { error: e instanceof ConfigError ? e.message : `${file}: ${(e as Error).message}` };
  }
}

/** The run's name from run.json (for titles), else its folder name. */
function runName(dir: string): string {
  try {
    return readRun(dir).name;
  } catch {
    return path.basename(dir);
  }
}

function isBadInput(e: unknown): e is Error {
  return e instanceof PredictInputError || e instanceof DataError;
}

function diceText(d: number | null | undefined): string {
  return d === null || d === undefined ? 'n/a' : d.toFixed(4);
}

export async function predictCommand(args: PredictArgs, out: Out, err: Out): Promise<number> {
  const who = 'medssl predict';
  const dir = path.resolve(args.runDir);
  const rc = await runConfig(dir);
  if ('error' in rc) {
    err(`${who}: ${rc.error}`);
    return EXIT.badInput;
  }
  const { config } = rc;
  let metas;
  try {
    metas = await listSavedModels(dir);
  } catch (e) {
    err(`${who}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  const meta = args.model ? metas.find((m) => m.kind === args.model) : metas[0];
  if (!meta) {
    const what = args.model ? `no ${args.model} model` : 'no saved segmentation model (a pretraining run)';
    err(`${who}: ${dir}: ${what}; evaluate it first: medssl evaluate ${dir} --mode ${args.model ?? 'finetune'}`);
    return EXIT.badInput;
  }
  let cases: PredictCase[];
  try {
    cases = resolveInputs(args.input, { labels: args.labels, inChannels: meta.inChannels });
  } catch (e) {
    if (!isBadInput(e)) throw e;
    err(`${who}: ${e.message}`);
    return EXIT.badInput;
  }
  const backend = await backendForJob(config, who, err);
  if (!backend) return EXIT.failed;
  let model: SegmentationModel;
  try {
    model = await loadSegmentationModel(config, dir, meta.kind);
  } catch (e) {
    err(`${who}: ${dir}: models/${meta.kind}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  const outDir = path.resolve(args.out ?? defaultOutDir(args.input));
  let result: PredictResult;
  try {
    result = await predictCases(cases, {
      model: { sliceSize: meta.sliceSize, numClasses: meta.numClasses, classNames: meta.classNames, logits: (x) => model.logits(x) },
      intensity: intensityPreset(config),
      foregroundOnly: config.data.foregroundOnly,
      outDir,
      probabilities: args.probabilities,
      batch: args.batch,
      overlaySlices: args.overlaySlices,
      onProgress: (p) => p.done === p.total && err(`${p.case}: ${p.total} slices`),
      source: { runName: runName(dir), runId: path.basename(dir), kind: meta.kind },
    });
  } catch (e) {
    if (!isBadInput(e)) throw e;
    err(`${who}: ${e.message}`);
    return EXIT.badInput;
  } finally {
    model.dispose();
  }
  const rate = `${result.slices} slices in ${result.segmentSeconds.toFixed(2)} s (${result.slicesPerSecond.toFixed(1)} slices/s, backend ${backend.backend}, ${backend.device})`;
  if (args.json) {
    out(
      JSON.stringify({
        type: 'predict',
        run: dir,
        model: { kind: meta.kind, head: meta.head, sliceSize: meta.sliceSize },
        backend: backend.backend,
        device: backend.device,
        ...result,
      }),
    );
    return EXIT.ok;
  }
  for (const c of result.cases) {
    const d = c.dice ? `  Dice ${diceText(c.dice.native.meanForeground)} (model grid ${diceText(c.dice.modelGrid.meanForeground)})` : '';
    out(`${c.output}${d}`);
    if (c.probabilities) out(c.probabilities);
  }
  if (result.dice) {
    const names = meta.classNames;
    out(`Dice per class (native grid / model grid), ${result.dice.native.cases} volume${result.dice.native.cases === 1 ? '' : 's'}:`);
    result.dice.native.perClass.forEach((p, k) => {
      if (k > 0) out(`  ${names[k] ?? `class_${k}`}: ${diceText(p.mean)} / ${diceText(result.dice!.modelGrid.perClass[k].mean)}`);
    });
    out(`  mean foreground: ${diceText(result.dice.native.meanForeground)} / ${diceText(result.dice.modelGrid.meanForeground)}`);
  }
  out(`${meta.kind} model of ${path.basename(dir)}: ${rate}`);
  return EXIT.ok;
}
