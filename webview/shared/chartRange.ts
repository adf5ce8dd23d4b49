/**
 * Axis ranges that never collapse. uPlot widens a single x value to [0, 2x] before a range function
 * sees it (a single Dice point at step 180 drew on 0..360), and a flat series has min = max: the panels
 * compute those ranges themselves from the data. Pure numbers (unit-tested in node).
 */

/** The largest power of ten not above |v| (1 below 1). */
export function decadeOf(v: number): number {
  const a = Math.abs(v);
  return a >= 1 ? 10 ** Math.floor(Math.log10(a)) : 1;
}

/**
 * The x range of steps. Distinct steps: their extent. A single step v: v ± max(1, decade(v)/2), not
 * below 0 (steps count from 0): step 180 → 130..230, step 10 → 5..15, step 1 → 0..2, step 0 → 0..2.
 * No finite step: null (the chart is empty).
 */
export function stepRange(steps: ArrayLike<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < steps.length; i++) {
    const v = steps[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) return null;
  if (lo < hi) return [lo, hi];
  const half = Math.max(1, decadeOf(lo) / 2);
  return lo - half < 0 && lo >= 0 ? [0, Math.max(2, lo + half)] : [lo - half, lo + half];
}

/**
 * The y range of a flat series (every value v): linear, v ± 10% of |v| (0: −1..1); log (v > 0), one
 * half-decade each side (v/√10 .. v·√10).
 */
export function flatRange(v: number, log = false): [number, number] {
  if (log && v > 0) return [v / Math.sqrt(10), v * Math.sqrt(10)];
  if (v === 0) return [-1, 1];
  const pad = Math.abs(v) * 0.1;
  return [v - pad, v + pad];
}
