/**
 * `medssl evaluate <runDir> --mode linear|finetune [--runs-dir DIR] [--set path=value ...] [--json]`
 *
 * Evaluates the pretrained encoder of an existing run (its checkpoints/latest, query encoder with
 * BatchNorm and whitening running statistics) downstream, as a NEW run folder: stage 'linear' or
 * 'finetune', the same name (so it groups with its source in the Runs view), the source run's resolved
 * config (with --set overrides), and `source` in run.json ({ runId, dir, checkpoint }). The source run
 * folder is never written to: a completed run stays completed, and the evaluation has its own status,
 * events, metrics.json and overlays/<mode>/ like any run, so every panel shows it.
 *
 * Bad input (not a run folder, no complete checkpoint, a run still running, an unreadable config, a
 * runs folder that cannot take the new run) → exit 2 with a message naming the folder. The checkpoint's
 * checksums are verified: a broken newest one is named in a warning and the newest complete one is
 * evaluated. Exit codes as every command (docs/EXIT-CODES.md): 130 when interrupted. Output as `medssl run`: the run folder's path first (with
 * --json one line {"type":"run","id","dir","source"}, then every event). SIGTERM/SIGINT → cancelled.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configHash, formatProblem, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { loadSegmentationData } from '../../core/eval/data';
import { finetuneEvaluation } from '../../core/eval/finetune';
import { linearEvaluation } from '../../core/eval/linear';
import { loadPretrainedEncoder, type EvalMetrics } from '../../core/eval/segment';
import {
  CONFIG_YAML,
  RUN_RESERVE_BYTES,
  createRun,
  readRun,
  runLiveness,
  type EvaluationSource,
  type FolderRunWriter,
  type RunJson,
} from '../../core/runs';
import { latestCheckpoint } from '../../core/train/checkpoint';
import { DataConfigError } from '../../core/train/data';
import { DiskFullError } from '../../core/runs/diskFull';
import { EXIT } from '../errors';
import { backendForJob, heldJsonEvents } from './jobSetup';
import { workerLine } from '../../protocol/workerStdout';
import { preflightRun } from './preflight';
import { runFolderError } from './runFolderError';

export type EvaluateMode = 'linear' | 'finetune';
export const EVALUATE_MODES: readonly EvaluateMode[] = ['linear', 'finetune'];

export interface EvaluateArgs {
  runDir: string;
  mode: EvaluateMode;
  /** Where the evaluation's run folder goes; default: beside the source run. */
  runsDir?: string;
  set: string[];
  json: boolean;
}

export type { EvaluationSource };

type Out = (s: string) => void;

/** Why this folder cannot be evaluated (names the folder), or its run.json and checkpoint (broken newer ones through `onBroken`). */
export async function checkEvaluable(
  runDir: string,
  onBroken?: (warning: string) => void,
): Promise<{ error: string } | { run: RunJson; checkpoint: string }> {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) return { error: `${dir}: no such folder` };
  if (!fs.statSync(dir).isDirectory()) return { error: `${dir}: not a run folder (a file, not a folder)` };
  let run: RunJson;
  try {
    run = readRun(dir);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (!fs.existsSync(path.join(dir, CONFIG_YAML))) return { error: `${dir}: not a run folder (no ${CONFIG_YAML})` };
  if ((run.status === 'running' || run.status === 'queued') && runLiveness(run) !== 'dead') {
    return {
      error: `${dir}: run ${run.id} is still ${run.status}${run.pid ? ` (pid ${run.pid})` : ''}; evaluate it after it ends (or stop it first)`,
    };
  }
  if (run.stage === 'linear' || run.stage === 'finetune') {
    return { error: `${dir}: run ${run.id} is itself a ${run.stage} evaluation; evaluate its source pretraining run instead` };
  }
  let checkpoint: string | null;
  try {
    checkpoint = await latestCheckpoint(dir, onBroken);
  } catch (e) {
    return { error: `${dir}: ${(e as Error).message}` };
  }
  if (!checkpoint) return { error: `${dir}: no complete checkpoint (checkpoints/latest) to evaluate; the pretraining saved none` };
  return { run, checkpoint };
}

export async function evaluateCommand(args: EvaluateArgs, out: Out, err: Out): Promise<number> {
  if (!EVALUATE_MODES.includes(args.mode)) {
    err(`medssl evaluate: --mode takes linear or finetune, got '${String(args.mode)}'`);
    return EXIT.badInput;
  }
  const srcDir = path.resolve(args.runDir);
  const checked = await checkEvaluable(srcDir, (w) => err(`warning: ${w}`));
  if ('error' in checked) {
    err(`medssl evaluate: ${checked.error}`);
    return EXIT.badInput;
  }
  const { run: src, checkpoint } = checked;
  if (src.status !== 'completed')
    err(
      `warning: ${srcDir}: run ${src.id} is ${src.status}; evaluating its last checkpoint ${path.basename(checkpoint)} (a partial pretraining)`,
    );

  // 1. the source run's resolved config, this evaluation switched on (the checkpoint is what is evaluated)
  let config: ExperimentConfig;
  const configFile = path.join(srcDir, CONFIG_YAML);
  try {
    const r = await loadConfig(configFile, {
      overrides: [
        ...args.set,
        `evaluation.${args.mode}.enabled=true`,
        ...(args.mode === 'finetune' ? ['evaluation.finetune.init=pretrained'] : []),
      ],
    });
    config = r.config;
    for (const w of r.warnings) err(formatProblem(w));
  } catch (e) {
    err(e instanceof ConfigError ? e.message : `medssl evaluate: ${configFile}: ${(e as Error).message}`);
    return EXIT.badInput;
  }

  // 2. the runs folder and its free space (the data is the source run's, already checked when it ran)
  const runsDir = args.runsDir ?? path.dirname(srcDir);
  const pre = await preflightRun(config, { who: 'medssl evaluate', source: srcDir, runsDir, data: false }, err);
  if (!pre.ok) return EXIT.badInput;

  // 3. backend
  const backend = await backendForJob(config, 'medssl evaluate', err);
  if (!backend) return EXIT.failed;

  // 4. the evaluation's own run folder
  // Events emitted while the folder is being created are held until the {"type":"run"} line is out.
  const { onEvent, release } = heldJsonEvents(args.json, out);
  const source: EvaluationSource = { runId: src.id, dir: srcDir, checkpoint };
  let writer: FolderRunWriter;
  try {
    writer = createRun(runsDir, config, args.mode, {
      onEvent,
      backend,
      configPath: configFile,
      diskNeedBytes: pre.needBytes,
      reserveBytes: RUN_RESERVE_BYTES,
    });
    // run.json names the evaluated run (an extra field; readers that do not know it ignore it).
    const fields = { stage: args.mode, source };
    writer.update(fields);
  } catch (e) {
    err(`medssl evaluate: ${runFolderError(e, path.resolve(runsDir), 'create')}`);
    return EXIT.badInput;
  }
  if (args.json) out(workerLine({ type: 'run', id: writer.id, dir: writer.dir, source }));
  else out(writer.dir);
  release();

  // 5. evaluate; signals → cancelled
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!ac.signal.aborted) err(`medssl evaluate: ${sig}: stopping`);
    ac.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const where = args.mode === 'linear' ? 'linear evaluation' : 'fine-tuning';
  try {
    writer.log('info', `${where} of run ${src.id} (${srcDir}), checkpoint ${path.basename(checkpoint)}; config hash ${configHash(config)}`);
    const data = loadSegmentationData(config);
    const { encoder } = await loadPretrainedEncoder(config, srcDir);
    let m: EvalMetrics;
    try {
      m =
        args.mode === 'linear'
          ? await linearEvaluation(config, { writer, encoder, data, signal: ac.signal })
          : await finetuneEvaluation(config, { writer, encoder, data, init: 'pretrained', signal: ac.signal });
    } finally {
      encoder.dispose();
    }
    if (ac.signal.aborted) throw new Error('stopped by a signal');
    writer.complete();
    if (!args.json) {
      const dice = m.summary.meanForeground;
      out(
        `${where} of ${src.id}: mean foreground Dice ${dice === null || dice === undefined ? 'n/a' : dice.toFixed(4)} on ${m.cases.length} held-out cases (${path.join(writer.dir, 'metrics.json')})`,
      );
    }
    return EXIT.ok;
  } catch (e) {
    const msg = (e as Error).message;
    try {
      if (ac.signal.aborted) writer.cancel(`cancelled during ${where}: ${msg}`);
      else if (writer.status === 'running') writer.fail(msg, where);
    } catch {
      /* the exit hook marks it failed */
    }
    if (ac.signal.aborted) {
      err(`medssl evaluate: ${writer.dir}: interrupted during ${where}`);
      return EXIT.interrupted;
    }
    err(`medssl evaluate: ${e instanceof DiskFullError ? msg : `${writer.dir}: ${msg}`}`);
    if (e instanceof DataConfigError) return EXIT.badInput;
    if (process.env.MEDSSL_DEBUG) err((e as Error).stack ?? '');
    return EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
