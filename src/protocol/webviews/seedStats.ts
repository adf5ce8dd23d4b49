/**
 * Statistics over seeds, shared by `medssl report` (src/core/report) and the compare panels (webview/):
 * plain functions on numbers, the one other value a panel may take from the protocol besides the palette,
 * so that the report and the panels cannot drift apart in what "mean ± sd" or "the seed band" means.
 */

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1); NaN for a single value. */
  sd: number;
  n: number;
}

/** Mean ± sample sd of the finite values (a seed without the number is left out); null when there are none. */
export function meanSd(values: readonly number[]): MeanSd | null {
  const x = values.filter((v) => Number.isFinite(v));
  if (!x.length) return null;
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const sd = x.length > 1 ? Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / (x.length - 1)) : Number.NaN;
  return { mean, sd, n: x.length };
}

export interface Band {
  mean: number[];
  lo: number[];
  hi: number[];
}

/** Per index, the mean, lowest and highest over the series that reach that index (series of unequal lengths). */
export function bandOver(series: readonly (readonly number[])[]): Band {
  const len = Math.max(0, ...series.map((r) => r.length));
  const out: Band = { mean: [], lo: [], hi: [] };
  for (let k = 0; k < len; k++) {
    const v = series.filter((r) => k < r.length).map((r) => r[k]);
    out.mean.push(v.reduce((a, x) => a + x, 0) / v.length);
    out.lo.push(Math.min(...v));
    out.hi.push(Math.max(...v));
  }
  return out;
}
