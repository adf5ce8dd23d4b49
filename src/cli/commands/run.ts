/**
 * `medssl run <config> [--runs-dir DIR] [--set path=value ...] [--json] [--resume RUNDIR]`
 *
 * Validates the config (every problem as file:line:col, exit 2), chooses the backend, creates the run
 * folder (DESIGN.md), and runs the pretraining. Prints the run folder's path first (with --json: one
 * JSON line {"type":"run","id":…,"dir":…}, then every event as a JSON line). SIGTERM/SIGINT → a
 * checkpoint, status cancelled. `--resume RUNDIR` reopens that run folder (its resolved config.yaml,
 * with --set overrides), loads checkpoints/latest and continues, appending to the same events.jsonl.
 * Exit: 0 completed; 1 failed or cancelled (run.json says which, with the error); 2 bad config or input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configHash, formatProblem, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { CONFIG_YAML, createRun, FolderRunWriter, readRun, reopenRun } from '../../core/runs';
import { DataConfigError } from '../../core/train/data';
import { TrainingError } from '../../core/train/pretrain';
import { runExperiment } from '../../core/eval/pipeline';
import { checkVariants, variantOverrides } from '../../core/eval/variants';
import { reportMarkdown, summarizeRun } from '../../core/report/summary';
import { EXIT } from '../errors';
import { backendForJob, heldJsonEvents } from './jobSetup';
import { workerLine } from '../../protocol/workerStdout';

export interface RunArgs {
  config: string;
  runsDir?: string;
  set: string[];
  json: boolean;
  resume?: string;
}

type Out = (s: string) => void;

export async function runCommand(args: RunArgs, out: Out, err: Out): Promise<number> {
  // 1. config
  let config: ExperimentConfig;
  const configFile = args.resume ? path.join(args.resume, CONFIG_YAML) : args.config;
  try {
    if (args.resume && !fs.existsSync(configFile)) {
      err(`medssl run --resume: ${args.resume} is not a run folder (no ${CONFIG_YAML})`);
      return EXIT.badInput;
    }
    const r = await loadConfig(configFile, { overrides: args.set });
    config = r.config;
    for (const w of r.warnings) err(formatProblem(w));
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return EXIT.badInput;
    }
    err(`medssl run: ${configFile}: ${(e as Error).message}`);
    return EXIT.badInput;
  }

  // 1b. variants (the ablation's rows, seeds): one run each, then the summary table
  if (!args.resume && config.variants?.length) {
    const bad = checkVariants(config);
    if (bad) {
      err(`medssl run: ${args.config}: ${bad}`);
      return EXIT.badInput;
    }
    let worst: number = EXIT.ok;
    const dirs: string[] = [];
    for (const v of config.variants) {
      err(`medssl run: variant '${v.name}' (${Object.entries(v.set).map(([k, x]) => `${k}=${String(x)}`).join(', ') || 'no overrides'})`);
      let first = true;
      const code = await runCommand({ ...args, set: [...args.set, ...variantOverrides(v, config.name)] }, (line) => {
        if (first) {
          first = false;
          try {
            dirs.push(args.json ? (JSON.parse(line) as { dir: string }).dir : line);
          } catch {
            /* not the run line */
          }
        }
        out(line);
      }, err);
      worst = Math.max(worst, code);
      if (code === EXIT.badInput) break;
    }
    if (!args.json && dirs.length) out(reportMarkdown(dirs.map((d) => summarizeRun(d))));
    return worst;
  }

  // 2. backend
  const backend = await backendForJob(config, 'medssl run', err);
  if (!backend) return EXIT.failed;

  // 3. run folder (new, or the resumed one reopened as running)
  // Events emitted while the folder is being created are held until the {"type":"run"} line is out.
  const { onEvent, release } = heldJsonEvents(args.json, out);
  let writer: FolderRunWriter;
  try {
    if (args.resume) {
      const dir = path.resolve(args.resume);
      const prev = readRun(dir);
      if (prev.status === 'completed') {
        out(args.json ? workerLine({ type: 'run', id: prev.id, dir, status: 'completed', message: 'nothing to resume' }) : `${dir}: run already completed; nothing to resume`);
        return EXIT.ok;
      }
      writer = reopenRun(dir, { onEvent, backend }); // cancelled | failed (or killed) → running, with a status event
    } else {
      writer = createRun(args.runsDir ?? 'runs', config, 'pretrain', { onEvent, backend, configPath: args.config });
    }
  } catch (e) {
    err(`medssl run: cannot ${args.resume ? 'reopen' : 'create'} the run folder: ${(e as Error).message}`);
    return args.resume ? EXIT.badInput : EXIT.failed;
  }
  if (args.json) out(workerLine({ type: 'run', id: writer.id, dir: writer.dir }));
  else out(writer.dir);
  release();

  // 4. train; signals → checkpoint + cancelled
  return trainInFolder(config, writer, { resume: Boolean(args.resume), json: args.json, who: 'medssl run' }, out, err);
}

/**
 * Runs a config's stages in an open run folder (new, reopened, or a queued one started by a Slurm task).
 * SIGTERM/SIGINT → a checkpoint, status cancelled. Returns the exit code.
 */
export async function trainInFolder(
  config: ExperimentConfig,
  writer: FolderRunWriter,
  o: { resume: boolean; json: boolean; who: string },
  out: Out,
  err: Out,
): Promise<number> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!ac.signal.aborted) err(`${o.who}: ${sig}: saving a checkpoint and stopping`);
    ac.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const x = await runExperiment(config, { writer, configHash: configHash(config), signal: ac.signal, resume: o.resume });
    const r = x.pretrain;
    if (!o.json) {
      const d = r.diagnostics;
      const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
      out(`${r.status} at step ${r.step}/${r.totalSteps}: loss ${f(r.losses.total)} (global ${f(r.losses.global)}, local ${f(r.losses.local)})` +
        (d ? `; representation effective rank ${d.representation.effectiveRank.toFixed(2)} (${d.representation.dims99} dims for 99%), embedding ${d.embedding.effectiveRank.toFixed(2)}` : ''));
      if (x.linear) out(`linear evaluation: mean foreground Dice ${f(x.linear.summary.meanForeground ?? Number.NaN)} on ${x.linear.cases.length} held-out cases (metrics.json)`);
    }
    return r.status === 'completed' ? EXIT.ok : EXIT.failed;
  } catch (e) {
    // pretrain has already marked the run failed with the message.
    const msg = (e as Error).message;
    err(`${o.who}: ${writer.dir}: ${msg}`);
    if (e instanceof DataConfigError) return EXIT.badInput;
    if (!(e instanceof TrainingError) && process.env.MEDSSL_DEBUG) err((e as Error).stack ?? '');
    return EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
