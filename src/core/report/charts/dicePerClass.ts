/**
 * The Dice-per-class chart: grouped bars, one group per foreground class, one bar per row (a variant over
 * its seeds, or a single run), bar = mean over seeds, whisker = ± 1 sample sd over seeds (only where a
 * row has two or more seeds). The y axis starts at 0 and ends at the next tenth above the highest whisker
 * (at most 1, where longer whiskers are cut), so small Dice values stay readable and bars are honest.
 */
import type { MeanSd } from '../../metrics/bootstrap';
import { fitText, textWidth, type Scene, type Shape } from './scene';

export interface DiceRow {
  label: string;
  color: string;
  /** Per foreground class; null where the row has no value for that class. */
  perClass: Array<MeanSd | null>;
}

export interface BarGeometry {
  row: number;
  cls: number;
  x: number;
  width: number;
  /** Top of the bar and its height (SVG units, y down). */
  y: number;
  height: number;
  mean: number;
  sd: number;
  /** The whisker's ends (y), absent when the row has fewer than two seeds. */
  whisker?: { top: number; bottom: number };
}

export interface DiceChart {
  scene: Scene;
  bars: BarGeometry[];
  yMax: number;
  /** Plot area: the value v is drawn at y = plot.bottom − v / yMax × plot.height. */
  plot: { left: number; right: number; top: number; bottom: number; height: number };
  /** True when some row has whiskers (two or more seeds). */
  hasSpread: boolean;
}

export const DICE_CHART_NOTE = 'bars: mean over seeds · whiskers: ± 1 sd over seeds';

export function dicePerClassChart(
  classNames: readonly string[],
  rows: readonly DiceRow[],
  o: { title?: string; height?: number } = {},
): DiceChart {
  const classes = Math.max(classNames.length, ...rows.map((r) => r.perClass.length));
  const names = Array.from({ length: classes }, (_, k) => classNames[k] ?? `class ${k + 1}`);
  const legendW = 24 + Math.max(40, ...rows.map((r) => textWidth(r.label)));
  const m = { l: 52, r: 16 + legendW, t: 30, b: 52 };
  const groupW = Math.max(96, rows.length * 24 + 24);
  const spread = (x: MeanSd) => (x.n >= 2 && Number.isFinite(x.sd) ? x.sd : 0);
  const hasSpread = rows.some((r) => r.perClass.some((x) => x && spread(x) > 0));
  const seedsOf = (r: DiceRow) => Math.max(0, ...r.perClass.map((x) => x?.n ?? 0));
  const ns = [...new Set(rows.map(seedsOf))];
  const note = hasSpread
    ? `${DICE_CHART_NOTE} (${ns.length === 1 ? `${ns[0]} seeds per row` : `seeds per row: ${rows.map(seedsOf).join(', ')}`})`
    : 'bars: one run per row (no seeds to spread over)';
  const W = Math.ceil(Math.max(420, m.l + m.r + classes * groupW, m.l + textWidth(note) + 12));
  const H = o.height ?? 300;
  const plot = { left: m.l, right: W - m.r, top: m.t, bottom: H - m.b, height: H - m.t - m.b };
  const gw = (plot.right - plot.left) / Math.max(1, classes);
  const barW = (gw * 0.8) / Math.max(1, rows.length);
  const highest = Math.max(0, ...rows.flatMap((r) => r.perClass.map((x) => (x ? x.mean + spread(x) : 0))));
  const yMax = Math.min(1, Math.max(0.1, Math.ceil(highest * 10 - 1e-9) / 10));
  const Y = (v: number) => plot.bottom - (Math.max(0, Math.min(yMax, v)) / yMax) * plot.height;
  const shapes: Shape[] = [];
  // round ticks (0.05, 0.1 or 0.2 apart), at most about six
  const tick = yMax <= 0.3 ? 0.05 : yMax <= 0.6 ? 0.1 : 0.2;
  for (let t = 0; t * tick <= yMax + 1e-9; t++) {
    const v = t * tick;
    const y = Y(v);
    shapes.push({ kind: 'line', x1: plot.left, x2: plot.right, y1: y, y2: y, stroke: '#e6e6e6' });
    shapes.push({ kind: 'text', x: plot.left - 5, y: y + 4, text: v.toFixed(tick < 0.1 ? 2 : 1), anchor: 'end' });
  }
  const bars: BarGeometry[] = [];
  for (let c = 0; c < classes; c++) {
    const gx = plot.left + c * gw;
    shapes.push({ kind: 'text', x: gx + gw / 2, y: plot.bottom + 15, text: fitText(names[c], gw - 4), anchor: 'middle' });
    rows.forEach((r, i) => {
      const v = r.perClass[c];
      if (!v || !Number.isFinite(v.mean)) return;
      const x = gx + gw * 0.1 + i * barW;
      const y = Y(v.mean);
      const bar: BarGeometry = { row: i, cls: c, x, width: barW, y, height: plot.bottom - y, mean: v.mean, sd: v.sd };
      const data = { row: r.label, class: names[c], mean: v.mean.toFixed(4), sd: Number.isFinite(v.sd) ? v.sd.toFixed(4) : 'NaN' };
      shapes.push({ kind: 'rect', x, y, w: barW - 1, h: plot.bottom - y, fill: r.color, data });
      if (spread(v) > 0) {
        bar.whisker = { top: Y(v.mean + v.sd), bottom: Y(v.mean - v.sd) };
        const cx = x + (barW - 1) / 2;
        const cap = Math.min(6, barW * 0.35);
        shapes.push({ kind: 'line', x1: cx, x2: cx, y1: bar.whisker.top, y2: bar.whisker.bottom, stroke: '#222', width: 1.2 });
        for (const wy of [bar.whisker.top, bar.whisker.bottom])
          shapes.push({ kind: 'line', x1: cx - cap, x2: cx + cap, y1: wy, y2: wy, stroke: '#222', width: 1.2 });
      }
      bars.push(bar);
    });
  }
  shapes.push({ kind: 'line', x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom, stroke: '#888' });
  shapes.push({ kind: 'line', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, stroke: '#888' });
  shapes.push({ kind: 'text', x: 14, y: (plot.top + plot.bottom) / 2, text: 'Dice', anchor: 'middle', vertical: true });
  shapes.push({ kind: 'text', x: W / 2, y: 17, text: o.title ?? 'Dice per class', anchor: 'middle', bold: true, size: 12 });
  shapes.push({ kind: 'text', x: plot.left, y: H - 12, text: note, fill: '#555' });
  rows.forEach((r, i) => {
    const y = plot.top + 4 + i * 16;
    shapes.push({ kind: 'rect', x: plot.right + 14, y, w: 11, h: 11, fill: r.color });
    shapes.push({ kind: 'text', x: plot.right + 30, y: y + 10, text: r.label });
  });
  return { scene: { width: W, height: H, shapes }, bars, yMax, plot, hasSpread };
}
