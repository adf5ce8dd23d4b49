/**
 * `medssl run <config> [--runs-dir DIR] [--set path=value ...] [--json] [--resume RUNDIR]`
 *
 * Validates the config (every problem as file:line:col, exit 2), chooses the backend, creates the run
 * folder (DESIGN.md), and runs the pretraining. Prints the run folder's path first (with --json: one
 * JSON line {"type":"run","id":…,"dir":…}, then every event as a JSON line). SIGTERM/SIGINT → a
 * checkpoint, status cancelled. `--resume RUNDIR` reopens that run folder (its resolved config.yaml,
 * with --set overrides), removes what a crash left half-written (`.N.partial-*`), loads the newest
 * complete checkpoint (checksums verified; a broken newer one is named in a warning) and continues,
 * appending to the same events.jsonl.
 * Before anything is written, the preflight checks the data against the config, the runs folder and
 * the free space (exit 2, every problem at once, no run folder). A full disk later ends the run
 * failed with "disk full: <run folder>, need ~N MB".
 * Exit (docs/EXIT-CODES.md): 0 completed; 1 failed while running (run.json has the reason); 2 bad
 * config, data, paths or permissions; 130 interrupted (checkpoint saved, run cancelled).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configHash, formatProblem, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { CONFIG_YAML, createRun, FolderRunWriter, readRun, reopenRun, RUN_RESERVE_BYTES, runLiveness } from '../../core/runs';
import type { RunWriter } from '../../core/runs/types';
import { DiskFullError, isNoSpace } from '../../core/runs/diskFull';
import { cleanPartialCheckpoints, findCheckpoint, brokenCheckpointWarning, pruneCheckpoints } from '../../core/train/checkpointIntegrity';
import { DataConfigError } from '../../core/train/data';
import { TrainingError } from '../../core/train/pretrain';
import { runExperiment } from '../../core/eval/pipeline';
import { checkVariants, expandVariants, variantOverrides } from '../../core/eval/variants';
import { summarizeRun } from '../../core/report/summary';
import { EXIT } from '../errors';
import { backendForJob, heldJsonEvents } from './jobSetup';
import { workerLine } from '../../protocol/workerStdout';
import { preflightRun } from './preflight';
import { runFolderError } from './runFolderError';
import { localLossText, rankSummary, summaryTables } from './runSummaryText';

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
    if (args.resume) {
      const why = !fs.existsSync(args.resume)
        ? 'no such folder'
        : !fs.statSync(args.resume).isDirectory()
          ? 'is a file, not a run folder'
          : !fs.existsSync(configFile)
            ? `not a run folder (no ${CONFIG_YAML})`
            : null;
      if (why) {
        err(`medssl run --resume: ${path.resolve(args.resume)}: ${why}`);
        return EXIT.badInput;
      }
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
  const runs = args.resume ? [] : expandVariants(config);
  if (runs.length) {
    const bad = checkVariants(config);
    if (bad) {
      err(`medssl run: ${args.config}: ${bad}`);
      return EXIT.badInput;
    }
    let worst: number = EXIT.ok;
    const dirs: string[] = [];
    for (const v of runs) {
      err(
        `medssl run: variant '${v.name}' (${
          Object.entries(v.set)
            .map(([k, x]) => `${k}=${String(x)}`)
            .join(', ') || 'no overrides'
        })`,
      );
      let first = true;
      const code = await runCommand(
        { ...args, set: [...args.set, ...variantOverrides(v, config.name, Boolean(config.seeds?.length))] },
        (line) => {
          if (first) {
            first = false;
            try {
              dirs.push(args.json ? (JSON.parse(line) as { dir: string }).dir : line);
            } catch {
              /* not the run line */
            }
          }
          out(line);
        },
        err,
      );
      worst = Math.max(worst, code);
      if (code === EXIT.badInput || code === EXIT.interrupted) break;
    }
    if (!args.json && dirs.length) out(summaryTables(dirs.map((d) => summarizeRun(d))));
    return worst;
  }

  // 2. preflight: the data against the config, the runs folder, the free space — before anything is written
  const runsDir = args.runsDir ?? 'runs';
  const pre = await preflightRun(config, { who: 'medssl run', source: configFile, runsDir: args.resume ? undefined : runsDir }, err);
  if (!pre.ok) return EXIT.badInput;

  // 3. backend
  const backend = await backendForJob(config, 'medssl run', err);
  if (!backend) return EXIT.failed;

  // 4. run folder (new, or the resumed one reopened as running)
  // Events emitted while the folder is being created are held until the {"type":"run"} line is out.
  const { onEvent, release } = heldJsonEvents(args.json, out);
  let writer: FolderRunWriter;
  try {
    if (args.resume) {
      const dir = path.resolve(args.resume);
      const prev = readRun(dir);
      if (prev.status === 'completed') {
        out(
          args.json
            ? workerLine({ type: 'run', id: prev.id, dir, status: 'completed', message: 'nothing to resume' })
            : `${dir}: run already completed; nothing to resume`,
        );
        return EXIT.ok;
      }
      // What a crash or a full disk half-wrote goes first (it may be what keeps the disk full), unless
      // the run is still alive in another process (then reopenRun refuses it below).
      if (prev.status !== 'running' || runLiveness(prev) === 'dead') await cleanPartialCheckpoints(dir);
      writer = reopenRun(dir, { onEvent, backend, diskNeedBytes: pre.needBytes, reserveBytes: RUN_RESERVE_BYTES }); // cancelled | failed (or killed) → running, with a status event
    } else {
      writer = createRun(runsDir, config, 'pretrain', {
        onEvent,
        backend,
        configPath: args.config,
        diskNeedBytes: pre.needBytes,
        reserveBytes: RUN_RESERVE_BYTES,
      });
    }
  } catch (e) {
    err(
      `medssl run: ${runFolderError(e, args.resume ? path.resolve(args.resume) : path.resolve(runsDir), args.resume ? 'reopen' : 'create')}`,
    );
    return EXIT.badInput;
  }
  if (args.json) out(workerLine({ type: 'run', id: writer.id, dir: writer.dir }));
  else out(writer.dir);
  release();
  if (args.resume) {
    const found = await findCheckpoint(writer.dir);
    for (const b of found.broken) {
      const warning = brokenCheckpointWarning(b, found.dir);
      err(`warning: ${warning}`);
      writer.log('warn', warning);
    }
  }

  // 5. train; signals → checkpoint + cancelled
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
  const retention = keepingLastCheckpoints(writer);
  try {
    const x = await runExperiment(config, {
      writer: retention.writer,
      configHash: configHash(config),
      signal: ac.signal,
      resume: o.resume,
    });
    const r = x.pretrain;
    if (!o.json) {
      const d = r.diagnostics;
      const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
      // A resume of a finished pretraining (cancelled during its evaluation) trains no step: no loss to show.
      const losses = Number.isFinite(r.losses.total)
        ? `: loss ${f(r.losses.total)} (global ${f(r.losses.global)}, local ${localLossText(config.ssl.local.enabled, r.losses.local)})`
        : ' (no pretraining step in this session)';
      out(`${r.status} at step ${r.step}/${r.totalSteps}${losses}` + (d ? `; ${rankSummary(d)}` : ''));
      if (x.linear)
        out(
          `linear evaluation: mean foreground Dice ${f(x.linear.summary.meanForeground ?? Number.NaN)} on ${x.linear.cases.length} held-out cases (metrics.json)`,
        );
    }
    if (r.status === 'cancelled') return EXIT.interrupted;
    return r.status === 'completed' ? EXIT.ok : EXIT.failed;
  } catch (e) {
    // pretrain (or the evaluation) has already marked the run failed or cancelled with the message.
    if (ac.signal.aborted) {
      err(`${o.who}: ${writer.dir}: interrupted (${(e as Error).message})`);
      return EXIT.interrupted;
    }
    const msg = e instanceof DiskFullError || !isNoSpace(e) ? (e as Error).message : new DiskFullError(writer.dir, 0).message;
    err(`${o.who}: ${msg.startsWith('disk full:') ? msg : `${writer.dir}: ${msg}`}`);
    if (e instanceof DataConfigError) return EXIT.badInput;
    if (!(e instanceof TrainingError) && !(e instanceof DiskFullError) && process.env.MEDSSL_DEBUG) err((e as Error).stack ?? '');
    return EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await retention.settled();
    await cleanPartialCheckpoints(writer.dir).catch(() => undefined);
  }
}

/**
 * The writer passed to the training, deleting all but the last two complete checkpoints after each
 * new one (the loop announces each with a 'checkpoint' artifact event, in either the single-worker or
 * the data-parallel path), so a long run's disk use stays at two checkpoints.
 */
function keepingLastCheckpoints(w: FolderRunWriter): { writer: RunWriter; settled: () => Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  const writer: RunWriter = {
    get id() {
      return w.id;
    },
    get dir() {
      return w.dir;
    },
    event: (e) => {
      w.event(e);
      if (e.type === 'artifact' && e.kind === 'checkpoint') chain = chain.then(() => pruneCheckpoints(w.dir)).catch(() => undefined);
    },
    scalar: (s, e, n, v) => w.scalar(s, e, n, v),
    log: (l, m, s, e) => w.log(l, m, s, e),
    writeJson: (p, v, k, s, e) => w.writeJson(p, v, k, s, e),
    writeBytes: (p, d, k, s, e) => w.writeBytes(p, d, k, s, e),
    update: (f) => w.update(f),
    complete: () => w.complete(),
    fail: (m, where) => w.fail(m, where),
    cancel: (m) => w.cancel(m),
  };
  return { writer, settled: async () => void (await chain) };
}
