/**
 * The plain-language reading of a collapse spectrum. Pure (unit-tested in node).
 *
 * What the thresholds rest on:
 * - The effective rank e (RankMe, Garrido et al. 2023: exp of the entropy of the normalised singular
 *   values, the square roots of the covariance eigenvalues) is exactly k when k singular values are
 *   equal and the rest 0, so e/m reads as "the share of the dimensions in use"; k99 (how
 *   many leading dimensions hold 99% of the variance) says how many are not empty at all. A long thin
 *   tail keeps k99 high while e stays low: k99 alone (the old reading: 6 of 16 dimensions called
 *   "spread") overstates the spread, so the verdict is led by e and only confirmed by k99.
 * - m = min(d, n − 1): n samples centred span at most n − 1 directions, so with fewer samples than
 *   dimensions the spectrum cannot show more than n − 1; the reading says so rather than call it collapse.
 * - collapsed: e < max(min(2, m/2), m/10). One or two directions (complete collapse: every input maps
 *   near one point or one line) or under a tenth of the space: a handful of directions carry everything.
 * - partly collapsed (dimensional collapse, Jing et al. 2022): e < m/2, or k99 < 3m/4. Less than half
 *   the space in use, or more than a quarter of it empty (holding under 1% of the variance together).
 * - spread: e ≥ m/2 and k99 ≥ 3m/4. An isotropic spectrum has e = k99 = m; halfway is the least we
 *   call "uses most dimensions".
 * These are reading aids for the spectrum drawn beside them, not a test of quality: the numbers are
 * always shown too.
 */

export interface SpectrumNumbers {
  dim: number;
  samples: number;
  /** RankMe (from the singular values); the eigenvalue form reads lower and is not what the verdict uses. */
  rankMe: number;
  dims99: number;
}

export type VerdictClass = 'bad' | 'warn' | 'ok';

/** How many dimensions the spectrum can show: min(d, n − 1) (at least 1). */
export function measurableDims(s: SpectrumNumbers): number {
  return Math.max(1, Math.min(s.dim, s.samples > 1 ? s.samples - 1 : s.dim));
}

export function verdict(s: SpectrumNumbers): { cls: VerdictClass; text: string } {
  const m = measurableDims(s);
  const e = s.rankMe;
  const dims = m < s.dim ? `${m} dimensions the samples can show` : 'dimensions';
  const num = (x: number) => String(Number(x.toFixed(1)));
  const collapsedBelow = Math.max(Math.min(2, m / 2), m / 10);
  if (e < collapsedBelow)
    return { cls: 'bad', text: `collapsed: the variance lies in a few directions (effective rank under ${num(collapsedBelow)})` };
  if (e < m / 2)
    return { cls: 'warn', text: `partly collapsed: fewer than half of the ${dims} are in use (effective rank under ${num(m / 2)})` };
  if (s.dims99 < (3 * m) / 4)
    return { cls: 'warn', text: `partly collapsed: ${m - s.dims99} of ${m} dimensions hold under 1% of the variance together` };
  return { cls: 'ok', text: `spread: the variance uses most of the ${dims} (effective rank ${num(m / 2)} or more)` };
}

/** "k of d dimensions hold 99% of the variance". */
export function reading(s: SpectrumNumbers): string {
  return `${s.dims99} of ${s.dim} dimensions hold 99% of the variance`;
}

/** When the sample count, not the encoder, limits what the spectrum can show (n − 1 < d); else undefined. */
export function sampleLimit(s: SpectrumNumbers): string | undefined {
  const m = measurableDims(s);
  return m < s.dim ? `${s.samples} samples show at most ${m} of the ${s.dim} dimensions.` : undefined;
}

/** The panel's one-line help: what the two rank numbers are. */
export const RANK_HELP =
  'Effective rank = RankMe (Garrido et al. 2023): exp(−Σ p log p), p = σ/Σσ over the singular values σ (√ of the covariance eigenvalues λ) of the L2-normalised vectors; the "eigenvalue form" uses p = λ/Σλ and reads lower.';
