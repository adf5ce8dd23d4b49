/**
 * `medssl submit <config> [--runs-dir DIR] [--set path=value ...] [--executor slurm|local] [--wait] [--json]`
 *   Creates one run folder per variant (status queued), then submits them as ONE Slurm job array (the
 *   config's `executor.slurm` section: partition, gpus, cpus, mem, time, account, extraLines, ssh), and
 *   records the job id (`<array id>_<index>`) in each run.json before the array is released. Prints one
 *   line per run: its folder and job id. --wait follows the jobs until every run has ended.
 * `medssl submit --cancel <runDir>...`   scancel the runs' jobs; a run cancelled before it started is
 *   marked cancelled here, a running one checkpoints and marks itself cancelled.
 * `medssl task <runDir>`  what a job runs: starts a queued run folder, or (requeued, time limit, node
 *   failure) resumes it from checkpoints/latest through `medssl run --resume`.
 * Before anything is queued, each variant's config goes through the same preflight as `medssl run`
 * (the data against the config, the runs folder, the free space): a refusal queues nothing.
 * Exit (docs/EXIT-CODES.md): 0 submitted (with --wait: every run completed); 1 the cluster refused or
 *   a run failed; 2 bad config, data, paths or permissions; 130 interrupted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, formatProblem, loadConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { CONFIG_YAML, RUN_RESERVE_BYTES, eventToJsonLine, isTerminal, readRun, RunReadError, type RunEvent } from '../../core/runs';
import { checkVariants, expandVariants, variantOverrides } from '../../core/eval/variants';
import {
  createQueuedRuns,
  executorFor,
  executorForRun,
  markAttemptLost,
  reconcileRun,
  recordJobIds,
  slurmTaskId,
  startQueuedRun,
  submissionDir,
  type Executor,
} from '../../core/exec';
import { EXIT } from '../errors';
import { backendForJob } from './jobSetup';
import { preflightRun } from './preflight';
import { runCommand, trainInFolder } from './run';
import { workerLine } from '../../protocol/workerStdout';
import { runFolderError } from './runFolderError';

type Out = (s: string) => void;

export interface SubmitArgs {
  config: string;
  runsDir?: string;
  set: string[];
  json: boolean;
  wait: boolean;
  executor?: 'local' | 'slurm';
  /** dist/cli.js (what the jobs run). */
  cli: string;
  pollMs?: number;
}

async function load(file: string, set: string[], err: Out): Promise<ExperimentConfig> {
  const r = await loadConfig(file, { overrides: set });
  for (const w of r.warnings) err(formatProblem(w));
  return r.config;
}

export async function submitCommand(args: SubmitArgs, out: Out, err: Out): Promise<number> {
  // 1. the config and its variants (× seeds), each resolved (a config without either: an array of one)
  const configs: { config: ExperimentConfig; configPath: string }[] = [];
  let base: ExperimentConfig;
  try {
    base = await load(args.config, args.set, err);
    const variants = expandVariants(base);
    if (variants.length) {
      const bad = checkVariants(base);
      if (bad) {
        err(`medssl submit: ${args.config}: ${bad}`);
        return EXIT.badInput;
      }
      for (const v of variants)
        configs.push({
          config: await load(args.config, [...args.set, ...variantOverrides(v, base.name, Boolean(base.seeds?.length))], () => undefined),
          configPath: args.config,
        });
    } else {
      configs.push({ config: base, configPath: args.config });
    }
  } catch (e) {
    err(e instanceof ConfigError ? e.message : `medssl submit: ${args.config}: ${(e as Error).message}`);
    return EXIT.badInput;
  }

  // 2. preflight of every variant (the data is read once per distinct data section), before anything is queued
  const runsDir = args.runsDir ?? 'runs';
  const checkedData = new Set<string>();
  let refused = false;
  for (const [i, { config }] of configs.entries()) {
    const key = JSON.stringify(config.data) + JSON.stringify(config.evaluation) + config.model.stem;
    const data = !checkedData.has(key);
    checkedData.add(key);
    const pre = await preflightRun(
      config,
      {
        who: 'medssl submit',
        source: configs.length > 1 ? `${args.config} (variant ${i + 1}, ${config.name})` : args.config,
        runsDir: i === 0 ? runsDir : undefined,
        data,
      },
      err,
    );
    if (!pre.ok) refused = true;
  }
  if (refused) return EXIT.badInput;

  // 3. queued run folders, then one submission
  const executor = executorFor(base.executor, args.executor, args.cli);
  let batch;
  try {
    // The tasks start in the runs folder: it is on the shared file system (the resolved configs hold absolute paths).
    batch = createQueuedRuns(runsDir, configs, path.resolve(runsDir));
  } catch (e) {
    err(`medssl submit: ${runFolderError(e, path.resolve(runsDir), 'create')}`);
    return EXIT.badInput;
  }
  let ids: string[];
  try {
    ids = await executor.submit(batch, (jobIds) => recordJobIds(batch.runDirs, jobIds));
  } catch (e) {
    // Nothing ran: the queued folders would only clutter the Runs view.
    for (const d of batch.runDirs) fs.rmSync(d, { recursive: true, force: true });
    fs.rmSync(submissionDir(batch), { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(submissionDir(batch))); // <runsDir>/.slurm, when this was its only submission
    } catch {
      /* other submissions live there */
    }
    err(`medssl submit: ${(e as Error).message}`);
    return EXIT.failed;
  }
  batch.runDirs.forEach((dir, i) => {
    if (args.json) out(workerLine({ type: 'submitted', executor: executor.kind, id: path.basename(dir), dir, clusterJobId: ids[i] }));
    else out(`${dir}\t${executor.kind === 'slurm' ? 'Slurm job' : 'local job'} ${ids[i]}`);
  });
  if (!args.wait) return EXIT.ok;
  return follow(executor, batch.runDirs, ids, args, out, err);
}

/** Follows the runs until every run.json is final; brings them in line with the scheduler meanwhile. */
async function follow(
  executor: Executor,
  dirs: string[],
  ids: string[],
  args: Pick<SubmitArgs, 'json' | 'pollMs'>,
  out: Out,
  err: Out,
): Promise<number> {
  const last = new Map<string, string>();
  let lost = 0; // consecutive polls in which an unfinished run's job is unknown to squeue and sacct
  for (;;) {
    let states;
    try {
      states = await executor.states(ids);
    } catch (e) {
      err(`medssl submit: ${(e as Error).message}`);
      return EXIT.failed;
    }
    let open = 0;
    let unknown = 0;
    dirs.forEach((dir, i) => {
      const s = states.get(ids[i]);
      if (s) reconcileRun(dir, s);
      const run = readRun(dir);
      const line = `${run.status} (${s?.raw ?? '?'})`;
      if (last.get(dir) !== line) {
        last.set(dir, line);
        if (args.json)
          out(
            workerLine({
              type: 'state',
              id: run.id,
              dir,
              clusterJobId: ids[i],
              status: run.status,
              cluster: s?.raw,
              ...(run.error ? { error: run.error.message } : {}),
            }),
          );
        else out(`${run.id}: ${line}${run.error ? `: ${run.error.message}` : ''}`);
      }
      // A run that says cancelled while its job is back in the queue (requeued) is not over.
      if (!isTerminal(run.status) || s?.status === 'queued' || s?.status === 'running') open++;
      if (!isTerminal(run.status) && (!s || s.status === 'unknown')) unknown++;
    });
    if (!open) break;
    lost = unknown ? lost + 1 : 0;
    if (lost >= 30) {
      err(
        `medssl submit --wait: the scheduler no longer knows ${unknown} unfinished run${unknown === 1 ? "'s" : "s'"} job (squeue forgets finished jobs after MinJobAge; sacct needs accounting): stopped following; the run folders still say what they last wrote`,
      );
      return EXIT.failed;
    }
    await new Promise((r) => setTimeout(r, args.pollMs ?? 2000));
  }
  return dirs.every((d) => readRun(d).status === 'completed') ? EXIT.ok : EXIT.failed;
}

/** `medssl submit --cancel <runDir>...` */
export async function cancelCommand(dirs: string[], cli: string, out: Out, err: Out, timeoutMs = 90_000): Promise<number> {
  let worst: number = EXIT.ok;
  for (const dir of dirs) {
    let run;
    try {
      run = readRun(dir);
    } catch (e) {
      err(`medssl submit --cancel: ${(e as Error).message}`);
      worst = EXIT.badInput;
      continue;
    }
    if (isTerminal(run.status)) {
      out(`${dir}: already ${run.status}`);
      continue;
    }
    if (!run.clusterJobId) {
      err(`medssl submit --cancel: ${dir}: not a submitted run (no cluster job id in run.json); stop a local run with Stop Run or Ctrl+C`);
      worst = EXIT.badInput;
      continue;
    }
    try {
      const ex = await executorForRun(dir, run.clusterJobId, cli);
      await ex.cancel([run.clusterJobId]);
      const t0 = Date.now();
      // The job's run marks itself cancelled (SIGTERM → checkpoint); a queued one is marked here.
      while (Date.now() - t0 < timeoutMs) {
        const s = (await ex.states([run.clusterJobId])).get(run.clusterJobId);
        if (s) reconcileRun(dir, s);
        if (isTerminal(readRun(dir).status)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const now = readRun(dir);
      out(
        `${dir}: ${now.status}${isTerminal(now.status) ? '' : ` (job ${run.clusterJobId} was cancelled; the run has not marked itself yet)`}`,
      );
    } catch (e) {
      err(`medssl submit --cancel: ${dir}: ${(e as Error).message}`);
      worst = EXIT.failed;
    }
  }
  return worst;
}

/**
 * `medssl task <runDir>`: the body of a job. A queued run starts in its folder; a run that was cancelled
 * or failed by an earlier attempt of the same job (requeue, time limit, node failure) resumes from
 * checkpoints/latest; a completed one is left alone.
 */
export async function taskCommand(dir: string, out: Out, err: Out, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let run;
  try {
    run = readRun(dir);
  } catch (e) {
    err(`medssl task: ${e instanceof RunReadError ? e.message : (e as Error).message}`);
    return EXIT.badInput;
  }
  const restarts = Number(env.SLURM_RESTART_COUNT ?? 0) || 0;
  const jobId = slurmTaskId(env);
  if (run.status === 'completed') {
    out(`${dir}: run already completed; nothing to do`);
    return EXIT.ok;
  }
  if (run.status === 'queued') return startTask(dir, jobId, out, err);
  if (restarts === 0 && !jobId) {
    err(`medssl task: ${dir}: the run is ${run.status}, not queued; use medssl run --resume to continue it`);
    return EXIT.badInput;
  }
  if (run.status === 'running') {
    // The earlier attempt of this job ended without marking the run (node failure, SIGKILL): say so, then resume.
    markAttemptLost(
      dir,
      `the attempt on ${run.host}${run.pid ? ` (process ${run.pid})` : ''} ended without marking the run (node failure or kill); job ${jobId ?? '?'} was requeued (restart ${restarts})`,
    );
  }
  err(`medssl task: job ${jobId ?? '?'} restart ${restarts}: resuming ${dir} from its latest checkpoint`);
  return runCommand({ config: '', set: [], json: false, resume: dir }, out, err);
}

async function startTask(dir: string, jobId: string | undefined, out: Out, err: Out): Promise<number> {
  let config: ExperimentConfig;
  try {
    config = (await loadConfig(path.join(dir, CONFIG_YAML))).config;
  } catch (e) {
    err(e instanceof ConfigError ? e.message : `medssl task: ${dir}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  const backend = await backendForJob(config, 'medssl task', err);
  if (!backend) return EXIT.failed;
  const writer = startQueuedRun(dir, {
    backend,
    clusterJobId: jobId,
    reserveBytes: RUN_RESERVE_BYTES,
    onEvent: (e: RunEvent) => e.type === 'status' && out(eventToJsonLine(e)),
  });
  out(writer.dir);
  return trainInFolder(config, writer, { resume: false, json: false, who: 'medssl task' }, out, err);
}
