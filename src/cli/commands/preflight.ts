/**
 * The checks `run` and `submit` make before anything is written (and `validate` for the data part):
 * the dataset against what the config needs, the runs folder, the free space. A refusal prints every
 * problem at once, one line each, and the caller exits 2 with no run folder created.
 */
import * as path from 'node:path';
import type { ExperimentConfig } from '../../core/config/types';
import { diskSpaceProblem, estimateFootprint, preflightData, runsDirProblem } from '../../core/preflight';

type Out = (s: string) => void;

export interface PreflightOutcome {
  ok: boolean;
  /** What the run will take on disk (named again if the disk fills up later). */
  needBytes: number;
}

/**
 * Runs the checks; prints each problem as `<who>: <problem>` and a closing count line. `runsDir`:
 * where the run folder goes (checked for being a writable folder with room); undefined skips that.
 */
export async function preflightRun(
  config: ExperimentConfig,
  o: { who: string; source: string; runsDir?: string; data?: boolean },
  err: Out,
): Promise<PreflightOutcome> {
  const problems: string[] = [];
  let needBytes = 0;
  try {
    needBytes = estimateFootprint(config).totalBytes;
  } catch {
    needBytes = 0; // an encoder the estimate does not know: no disk check rather than a false refusal
  }
  if (o.data !== false) problems.push(...(await preflightData(config)).problems);
  if (o.runsDir !== undefined) {
    const dirProblem = runsDirProblem(o.runsDir);
    if (dirProblem) problems.push(dirProblem);
    else if (needBytes > 0) {
      const space = diskSpaceProblem(o.runsDir, needBytes);
      if (space) problems.push(space);
    }
  }
  for (const p of problems) err(`${o.who}: ${p}`);
  if (problems.length > 0) {
    err(
      `${o.who}: ${o.source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} found before the start; nothing was started${o.runsDir !== undefined ? ` and no run folder was created in ${path.resolve(o.runsDir)}` : ''}`,
    );
  }
  return { ok: problems.length === 0, needBytes };
}
