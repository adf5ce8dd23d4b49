/**
 * The report's chart rows from run folders: runs of one variant over several seeds
 * (<name>-<variant>-seed<N>) make one row, as in the table over seeds; without seeds each run is a row.
 * Row colours follow the rows' order, the same as the tables' swatches.
 */
import { meanSd } from '../../metrics/bootstrap';
import { rankMe } from '../../metrics/spectrum';
import { hasSeedGroups, seedRunOf, splitSeed } from '../aggregate';
import { latestDiagnostics, type RunSummary } from '../summary';
import { dicePerClassChart, type DiceChart } from './dicePerClass';
import { scenePng } from './raster';
import type { SpectrumRow } from './spectra';

export const ROW_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
export const rowColor = (i: number) => ROW_COLORS[i % ROW_COLORS.length];

export interface RowGroup {
  label: string;
  runs: RunSummary[];
}

/** Rows in the order their variants first appear. */
export function chartGroups(rows: readonly RunSummary[]): RowGroup[] {
  if (!hasSeedGroups(rows)) return rows.map((r) => ({ label: r.name, runs: [r] }));
  const groups: RowGroup[] = [];
  for (const r of rows) {
    const v = splitSeed(r.name).variant;
    const g = groups.find((x) => x.label === v);
    if (g) g.runs.push(r);
    else groups.push({ label: v, runs: [r] });
  }
  return groups;
}

/** The Dice-per-class chart of the linear evaluation (foreground classes), null when no run has per-class Dice. */
export function diceChartOf(rows: readonly RunSummary[]): (DiceChart & { classNames: string[]; seeds: number[] }) | null {
  const groups = chartGroups(rows);
  const per = groups.map((g) => g.runs.map((r, i) => seedRunOf(r, i)));
  const classNames =
    per
      .flat()
      .find((r) => r.classNames.length)
      ?.classNames.slice(1) ?? [];
  const diceRows = per.map((runs, i) => {
    const classes = Math.max(0, ...runs.map((r) => r.perClass.length)) - 1;
    const perClass = Array.from({ length: Math.max(0, classes) }, (_, k) =>
      meanSd(runs.map((r) => r.perClass[k + 1]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))),
    );
    return { label: groups[i].label, color: rowColor(i), perClass };
  });
  if (!diceRows.some((r) => r.perClass.some((x) => x))) return null;
  const chart = dicePerClassChart(classNames, diceRows, { title: 'Dice per class (linear evaluation, held-out cases)' });
  return { ...chart, classNames, seeds: groups.map((g) => g.runs.length) };
}

/** The chart as PNG bytes (2 pixels per SVG unit), or null as diceChartOf. */
export function dicePerClassPng(rows: readonly RunSummary[]): Uint8Array | null {
  const c = diceChartOf(rows);
  return c ? scenePng(c.scene, 2) : null;
}

/** Each row's final spectra (newest diagnostics of each of its runs). */
export function spectrumRowsOf(rows: readonly RunSummary[], kind: 'representation' | 'embedding'): SpectrumRow[] {
  return chartGroups(rows).map((g, i) => {
    const runs = g.runs.map((r) => latestDiagnostics(r.dir)?.[kind].eigenvalues ?? []).filter((e) => e.length);
    const rm = meanSd(runs.map(rankMe));
    const legend = rm ? `${g.label} (RankMe ${rm.mean.toFixed(1)}${rm.n > 1 ? ` ± ${rm.sd.toFixed(1)}` : ''})` : g.label;
    return { label: g.label, legend, color: rowColor(i), runs };
  });
}
