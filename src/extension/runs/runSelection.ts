/**
 * Which runs a command acts on (no `vscode` import: unit-tested in plain Node): a Runs view
 * multi-selection for Compare Runs, the runs that have collapse diagnostics, the runs whose checkpoint
 * Evaluate Checkpoint can evaluate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from './runsModel';
import type { RunsNode } from './runsTree';

/** The run folders of a tree (multi-)selection or of explicit paths, without duplicates, in order; a config group stands for all its runs. */
export function selectedRunDirs(clicked: RunsNode | string | undefined, selection: readonly (RunsNode | string)[] | undefined): string[] {
  const all = selection?.length ? selection : clicked ? [clicked] : [];
  const dirs: string[] = [];
  for (const n of all) {
    if (typeof n === 'string') dirs.push(n);
    else if (n.kind === 'run') dirs.push(n.summary.dir);
    else dirs.push(...n.runs.map((r) => r.dir));
  }
  return [...new Set(dirs)];
}

/** Runs that have collapse diagnostics (diagnostics/<step>.json: pretraining runs that reached one). */
export function withDiagnostics(dirs: string[]): string[] {
  return dirs.filter((d) => {
    try {
      return fs.readdirSync(path.join(d, 'diagnostics')).some((n) => /^\d+\.json$/.test(n));
    } catch {
      return false;
    }
  });
}

/** Runs whose checkpoint can be evaluated: ended pretraining runs with checkpoints/latest. */
export function evaluableRuns(runs: RunSummary[]): RunSummary[] {
  return runs.filter(
    (r) => r.run && (r.run.stage === 'pretrain' || r.run.stage === 'demo') && ['completed', 'cancelled', 'failed', 'stale'].includes(r.shownStatus) && fs.existsSync(path.join(r.dir, 'checkpoints', 'latest')),
  );
}
