/** The spectrum charts' log axis: singular values from the eigenvalues, floored, and decade ticks labelled 10^k. */
import type uPlot from 'uplot';
import type { SpectrumPayload } from '../../src/protocol/webviews/collapse';

/** Singular values of the (normalised) features: σ_k = √λ_k, floored for the log axis. */
export function singularValues(s: SpectrumPayload): number[] {
  const sv = Array.from(new Float64Array(s.eigenvalues), (l) => Math.sqrt(Math.max(l, 0)));
  const floor = Math.max(sv[0] ?? 1, 1e-12) * SV_FLOOR;
  return sv.map((v) => Math.max(v, floor));
}

/** Singular values below this fraction of the largest are numerically zero (fewer samples than dimensions): drawn at the floor. */
const SV_FLOOR = 1e-6;

/** Decade ticks for a log axis, labelled 10^k. */
export function decadeSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out;
}

export function decadeLabels(_u: uPlot, splits: number[]): string[] {
  const sup = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return splits.map((v) => {
    if (v === null || !(v > 0)) return '';
    const e = Math.round(Math.log10(v));
    if (e === 0) return '1';
    const digits = String(Math.abs(e))
      .split('')
      .map((d) => sup[Number(d)])
      .join('');
    return `10${e < 0 ? '⁻' : ''}${digits}`;
  });
}
