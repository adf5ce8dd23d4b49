/**
 * The job script of one submission: one Slurm job array, task i runs run folder i. `--requeue` and
 * `--open-mode=append` (a requeued task appends to its log instead of truncating it); the log of task i
 * is `slurm-<jobid>_<i>.out` inside its run folder (through the symlink <runsDir>/.slurm/<tag>/<i>).
 * Near the time limit Slurm sends USR1 to the script (`--signal=B:USR1@N`): the script asks the run to
 * checkpoint (SIGTERM → the CLI saves a checkpoint and marks the run cancelled), then requeues its own
 * task, which resumes from checkpoints/latest. scancel sends TERM: the run is cancelled, not requeued.
 */
import * as path from 'node:path';
import type { SlurmConfig } from '../config/types';
import { shellQuote } from './commandRunner';
import { ExecutorError, type PreparedBatch } from './types';

export interface ScriptPaths {
  /** The Node.js executable on the compute nodes. */
  node: string;
  /** dist/cli.js as the compute nodes see it. */
  cli: string;
}

/** Folder of one submission's files: job.sbatch and one symlink per task (<i> → run folder). */
export function submissionDir(batch: Pick<PreparedBatch, 'runsDir' | 'tag'>): string {
  return path.join(batch.runsDir, '.slurm', batch.tag);
}

/** The #SBATCH options, in order (also what the unit tests read). */
export function sbatchOptions(batch: PreparedBatch, slurm: SlurmConfig): string[] {
  if (batch.runDirs.length === 0) throw new ExecutorError('nothing to submit: no run folders');
  const out = path.join(submissionDir(batch), '%a', 'slurm-%A_%a.out');
  // #SBATCH lines are not parsed by a shell: a path with blanks or quotes cannot be written there.
  if (/[\s"'\\]/.test(out))
    throw new ExecutorError(
      `the runs folder '${batch.runsDir}' has a blank or a quote in its path; Slurm's #SBATCH --output cannot hold it: use a runs folder without them`,
    );
  const opts = [
    `--job-name=medssl-${batch.name}`,
    `--array=0-${batch.runDirs.length - 1}`,
    '--requeue',
    '--open-mode=append',
    `--output=${out}`,
    `--signal=B:USR1@${slurm.signalSeconds}`,
    `--cpus-per-task=${slurm.cpus}`,
  ];
  if (slurm.partition) opts.push(`--partition=${slurm.partition}`);
  if (slurm.gpus > 0) opts.push(`--gres=gpu:${slurm.gpus}`);
  if (slurm.mem) opts.push(`--mem=${slurm.mem}`);
  if (slurm.time) opts.push(`--time=${slurm.time}`);
  if (slurm.account) opts.push(`--account=${slurm.account}`);
  for (const o of opts) if (/[\n\r]/.test(o)) throw new ExecutorError(`sbatch option '${o.split('\n')[0]}…' spans lines`);
  return opts;
}

/** The whole sbatch script (bash). */
export function renderSbatchScript(batch: PreparedBatch, slurm: SlurmConfig, paths: ScriptPaths): string {
  const q = shellQuote;
  const lines = [
    '#!/bin/bash',
    `# MedSSL Studio: ${batch.runDirs.length} run${batch.runDirs.length === 1 ? '' : 's'} of ${batch.name} as one job array (medssl submit).`,
    ...sbatchOptions(batch, slurm).map((o) => `#SBATCH ${o}`),
    ...slurm.extraLines,
    '',
    'set -u',
    'run_dirs=(',
    ...batch.runDirs.map((d) => `  ${q(d)}`),
    ')',
    'index="${SLURM_ARRAY_TASK_ID:-0}"',
    'run_dir="${run_dirs[$index]}"',
    'task="${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-local}}_${index}"',
    'echo "medssl: Slurm job ${task} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}, run folder ${run_dir}"',
    `cd ${q(batch.cwd)} || exit 1`,
    'time_limit=0',
    'child=',
    // USR1: the time limit is near. TERM (scancel, requeue, node shutdown): pass it on; the run checkpoints.
    `trap 'time_limit=1; echo "medssl: time limit in ${slurm.signalSeconds} s: saving a checkpoint, then requeueing"; [ -n "$child" ] && kill -TERM "$child"' USR1`,
    `trap '[ -n "$child" ] && kill -TERM "$child"' TERM`,
    `${q(paths.node)} ${q(paths.cli)} task "$run_dir" &`,
    'child=$!',
    'while :; do',
    '  wait "$child"; code=$?',
    '  kill -0 "$child" 2>/dev/null || break # wait returns early when a trapped signal arrives',
    'done',
    'if [ "$time_limit" = 1 ]; then',
    '  echo "medssl: requeueing ${task}: it resumes from the run\'s latest checkpoint"',
    '  scontrol requeue "${task}" && exit 0',
    '  echo "medssl: scontrol requeue ${task} failed: Resume Run (or medssl run --resume ${run_dir}) continues it"',
    'fi',
    'exit "$code"',
    '',
  ];
  return lines.join('\n');
}
