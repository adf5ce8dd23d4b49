/**
 * The final spectrum of each row: singular values σ_k = √λ_k of the newest diagnostics (λ: covariance
 * eigenvalues), normalised to sum 1 (the distribution whose entropy RankMe exponentiates), on a log
 * axis; one line per row at the mean over its seeds, a band from the lowest to the highest seed. A
 * collapsed representation shows as a line that drops by decades after a few indices.
 */
import type { Scene, Shape } from './scene';
import { textWidth } from './scene';
import { bandOver } from '../../../protocol/webviews/seedStats';

export interface SpectrumRow {
  label: string;
  /** The legend's text (the label when absent). */
  legend?: string;
  color: string;
  /** Covariance eigenvalues of each seed's run (descending, as diagnostics store them). */
  runs: number[][];
}

/** σ / Σσ from eigenvalues (negative round-off counts as 0); empty for an all-zero spectrum. */
export function normalisedSingularValues(eigenvalues: readonly number[]): number[] {
  const s = eigenvalues.map((v) => Math.sqrt(Math.max(0, v)));
  const sum = s.reduce((a, v) => a + v, 0);
  return sum > 0 ? s.map((v) => v / sum) : [];
}

export interface SpectrumBandPoint {
  /** 1-based index of the singular value. */
  k: number;
  mean: number;
  lo: number;
  hi: number;
}

/** Mean, lowest and highest over seeds per index (over the seeds whose spectrum reaches that index). */
export function spectrumBand(runs: readonly number[][]): SpectrumBandPoint[] {
  const b = bandOver(runs.map(normalisedSingularValues).filter((r) => r.length));
  return b.mean.map((mean, k) => ({ k: k + 1, mean, lo: b.lo[k], hi: b.hi[k] }));
}

/** Indices whose mean is below this are not drawn (an exact 0 has no place on a log axis); a band's low edge stops at it. */
const FLOOR = 1e-6;

export function spectraChart(rows: readonly SpectrumRow[], o: { title: string; width?: number; height?: number }): Scene {
  const W = o.width ?? 520;
  const H = o.height ?? 280;
  const bands = rows.map((r) => spectrumBand(r.runs));
  const all = bands.flat();
  const shapes: Shape[] = [{ kind: 'text', x: W / 2, y: 16, text: o.title, anchor: 'middle', bold: true, size: 12 }];
  if (!all.length) {
    shapes.push({ kind: 'text', x: W / 2, y: H / 2, text: 'no diagnostics recorded', anchor: 'middle', fill: '#555' });
    return { width: W, height: H, shapes };
  }
  const m = { l: 56, r: 12, t: 26, b: 40 };
  const d0 = Math.floor(Math.log10(Math.max(FLOOR, Math.min(...all.map((p) => Math.max(p.lo, FLOOR))))));
  const d1 = Math.ceil(Math.log10(Math.max(...all.map((p) => p.hi))));
  const top = d1 > d0 ? d1 : d0 + 1;
  const kMax = Math.max(2, ...all.map((p) => p.k));
  const X = (k: number) => m.l + ((k - 1) / (kMax - 1)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((Math.log10(Math.max(v, FLOOR)) - d0) / (top - d0)) * (H - m.t - m.b);
  const step = Math.max(1, Math.ceil((top - d0) / 6));
  for (let d = d0; d <= top; d += step) {
    const y = Y(10 ** d);
    shapes.push({ kind: 'line', x1: m.l, x2: W - m.r, y1: y, y2: y, stroke: '#eee' });
    shapes.push({ kind: 'text', x: m.l - 4, y: y + 4, text: `1e${d}`, anchor: 'end' });
  }
  const kStep = kMax <= 10 ? 1 : Math.ceil(kMax / 64) * 8;
  for (let k = 1; k <= kMax; k = k === 1 && kStep > 1 ? kStep : k + kStep)
    shapes.push({ kind: 'text', x: X(k), y: H - m.b + 14, text: String(k), anchor: 'middle' });
  rows.forEach((r, i) => {
    // below the floor the line and its band stop rather than running along the axis
    const b = bands[i].filter((p) => p.mean >= FLOOR);
    if (!b.length) return;
    if (r.runs.length > 1)
      shapes.push({
        kind: 'polygon',
        points: [
          ...b.map((p) => [X(p.k), Y(p.hi)] as [number, number]),
          ...[...b].reverse().map((p) => [X(p.k), Y(p.lo)] as [number, number]),
        ],
        fill: r.color,
        opacity: 0.18,
        data: { row: r.label, band: 'min-max over seeds' },
      });
    shapes.push({
      kind: 'polyline',
      points: b.map((p) => [X(p.k), Y(p.mean)]),
      stroke: r.color,
      data: { row: r.label, seeds: String(r.runs.length), values: b.map((p) => p.mean.toExponential(3)).join(' ') },
    });
  });
  shapes.push({ kind: 'line', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, stroke: '#888' });
  shapes.push({ kind: 'line', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, stroke: '#888' });
  const legendW = 16 + Math.max(...rows.map((r) => textWidth(r.legend ?? r.label)));
  rows.forEach((r, i) => {
    const x = W - m.r - legendW;
    const y = m.t + 4 + i * 15;
    shapes.push({ kind: 'rect', x, y, w: 10, h: 10, fill: r.color });
    shapes.push({ kind: 'text', x: x + 14, y: y + 9, text: r.legend ?? r.label });
  });
  shapes.push({ kind: 'text', x: W / 2, y: H - 6, text: 'index k (descending)', anchor: 'middle' });
  shapes.push({ kind: 'text', x: 12, y: H / 2, text: 'σ_k / Σσ (log)', anchor: 'middle', vertical: true });
  return { width: W, height: H, shapes };
}
