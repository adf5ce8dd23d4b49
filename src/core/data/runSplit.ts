/**
 * The train / held-out split of a run's cases: by case (never by slice), data.heldOutFraction of them held
 * out, drawn by data.splitSeed, else by the run's seed. Pretraining (its diagnostics) and the evaluations
 * both take it from here, so they always agree on which cases are held out.
 */
import type { ExperimentConfig } from '../config/types';
import { splitByCase, type CaseSplit } from './preprocess';

export function runCaseSplit(c: Pick<ExperimentConfig, 'seed' | 'data'>, caseIds: readonly string[]): CaseSplit {
  const f = c.data.heldOutFraction;
  if (!(f > 0)) return { train: [...caseIds].sort(), val: [], test: [] };
  return splitByCase(caseIds, { train: 1 - f, val: f }, c.data.splitSeed ?? c.seed);
}
