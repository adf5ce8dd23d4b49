/**
 * What one chart group of the Curves panel draws: per line (a run, or a variant's seeds together) and
 * scalar name, a column of values on the union of steps; for a variant with seeds, the mean over its seeds
 * and the ± sd edges of its band. Pure (unit-tested in node); main.ts turns the columns into uPlot series.
 */
import type { RunLabel } from '../../src/protocol/webviews/common';
import { aggregateSteps, groupsOf, type AggregateSeries, type SeedGroup } from '../shared/seeds';
import { groupOf, smooth } from './groups';

export interface Series {
  name: string;
  steps: number[];
  values: number[];
}

export interface Run extends RunLabel {
  series: Map<string, Series>;
}

export type Line = SeedGroup<Run>;

/** The lines the panel draws: every run, or (aggregate) each variant's seeds as one line. */
export function linesOf(runs: readonly Run[], aggregate: boolean): Line[] {
  return groupsOf(runs, aggregate);
}

/** The scalar names of a chart group that any run has, sorted. */
export function namesIn(runs: readonly Run[], group: string): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const n of r.series.keys()) if (groupOf(n) === group) names.add(n);
  return [...names].sort();
}

export interface Column {
  key: string;
  /** Index of the line (its colour) and of the name (its dash). */
  li: number;
  ni: number;
  line: Line;
  name: string;
  /**
   * `mean` is the drawn line (a single run's values, or the seeds' mean where every seed has the step);
   * `partial` the seeds' mean where only some have it yet (seeds still training), drawn fainter;
   * `hi`/`lo` the band's edges.
   */
  role: 'mean' | 'partial' | 'hi' | 'lo';
  values: (number | null)[];
  /** How many points the line has (a line of one or two points is drawn with markers). */
  points: number;
}

export interface GroupColumns {
  x: number[];
  columns: Column[];
}

/** Smoothed values of one run's series (Dice and the learning rate are never smoothed). */
function shownValues(s: Series, group: string, smoothing: number): number[] {
  return group === 'dice' || group === 'lr' ? s.values : smooth(s.values, smoothing);
}

/** A line's series of `name`: the run's own, or the mean ± sd over its seeds of each seed's smoothed values. */
export function lineSeries(line: Line, name: string, group: string, smoothing: number): AggregateSeries | undefined {
  const present = line.runs.map((r) => r.series.get(name)).filter((s): s is Series => s !== undefined);
  if (!present.length) return undefined;
  if (line.runs.length === 1) {
    const s = present[0];
    return { steps: s.steps, mean: shownValues(s, group, smoothing), sd: s.steps.map(() => Number.NaN), n: s.steps.map(() => 1) };
  }
  return aggregateSteps(present.map((s) => ({ steps: s.steps, values: shownValues(s, group, smoothing) })));
}

/** Aligned columns of a chart group: x is the union of steps; a null where a line has no (finite, or on log y positive) value. */
export function groupColumns(
  lines: readonly Line[],
  names: readonly string[],
  group: string,
  o: { hidden: readonly string[]; smoothing: number; logY: boolean },
): GroupColumns {
  const parts: { line: Line; li: number; name: string; ni: number; a: AggregateSeries }[] = [];
  const xs = new Set<number>();
  lines.forEach((line, li) => {
    if (o.hidden.includes(line.key)) return;
    names.forEach((name, ni) => {
      const a = lineSeries(line, name, group, o.smoothing);
      if (!a) return;
      for (const x of a.steps) xs.add(x);
      parts.push({ line, li, name, ni, a });
    });
  });
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const ok = (v: number): number | null => (Number.isFinite(v) && (!o.logY || v > 0) ? v : null);
  const columns: Column[] = [];
  for (const p of parts) {
    const col = (f: (i: number) => number): (number | null)[] => {
      const out: (number | null)[] = new Array(x.length).fill(null);
      p.a.steps.forEach((st, i) => (out[index.get(st)!] = ok(f(i))));
      return out;
    };
    const base = { li: p.li, ni: p.ni, line: p.line, name: p.name, points: p.a.steps.length };
    const seeds = p.line.runs.length;
    if (seeds > 1 && p.a.steps.length >= 3) {
      // the mean over all seeds, solid; where some seeds have not reached the step, a fainter line that
      // starts at the last step all of them share, so the two join
      const all = (i: number) => p.a.n[i] >= seeds;
      const partialFrom = Math.max(0, p.a.n.findIndex((n) => n < seeds) - 1);
      const partial = (i: number) => !all(i) || (i === partialFrom && p.a.n.some((n) => n < seeds));
      columns.push({ ...base, key: `${p.line.key}|${p.name}`, role: 'mean', values: col((i) => (all(i) ? p.a.mean[i] : NaN)) });
      columns.push({
        ...base,
        key: `${p.line.key}|${p.name}|partial`,
        role: 'partial',
        values: col((i) => (partial(i) ? p.a.mean[i] : NaN)),
      });
    } else columns.push({ ...base, key: `${p.line.key}|${p.name}`, role: 'mean', values: col((i) => p.a.mean[i]) });
    if (seeds > 1) {
      columns.push({ ...base, key: `${p.line.key}|${p.name}|hi`, role: 'hi', values: col((i) => p.a.mean[i] + p.a.sd[i]) });
      columns.push({ ...base, key: `${p.line.key}|${p.name}|lo`, role: 'lo', values: col((i) => p.a.mean[i] - p.a.sd[i]) });
    }
  }
  return { x, columns };
}
