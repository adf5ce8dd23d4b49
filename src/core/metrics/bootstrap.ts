/**
 * Statistics for comparing runs over seeds: mean ± sample sd, and a percentile bootstrap interval of a
 * mean (resampling the units with replacement, seeded, so the same inputs give the same interval).
 */
import { Rng } from '../util/rng';

/** Mean ± sample sd: one definition for the report and the panels (src/protocol/webviews/seedStats.ts). */
export { meanSd, type MeanSd } from '../../protocol/webviews/seedStats';

export interface BootstrapInterval {
  mean: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

/** The q-quantile of sorted values, linear interpolation between order statistics (type 7). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (!s.length) return Number.NaN;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Percentile bootstrap interval of the mean of `x` (units resampled with replacement). */
export function bootstrapMeanInterval(
  x: readonly number[],
  o: { resamples?: number; level?: number; seed?: number } = {},
): BootstrapInterval | null {
  if (!x.length) return null;
  const B = o.resamples ?? 4000;
  const level = o.level ?? 0.95;
  const rng = new Rng(o.seed ?? 0);
  const n = x.length;
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[rng.int(n)];
    means[b] = s / n;
  }
  const sorted = Array.from(means).sort((a, b) => a - b);
  const a = (1 - level) / 2;
  return {
    mean: x.reduce((acc, v) => acc + v, 0) / n,
    lo: quantileSorted(sorted, a),
    hi: quantileSorted(sorted, 1 - a),
    level,
    resamples: B,
  };
}
