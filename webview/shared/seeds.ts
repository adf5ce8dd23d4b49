/**
 * The compare panels' seed aggregate: the runs the host marked as seeds of one variant (RunLabel.seedOf)
 * drawn as one line, the mean over the seeds, with a band of ± one sample standard deviation. Pure
 * (unit-tested in node); mean ± sd is `medssl report`'s own (src/protocol/webviews/seedStats.ts).
 */
import type { RunLabel } from '../../src/protocol/webviews/common';
import { meanSd, type MeanSd } from '../../src/protocol/webviews/seedStats';

export { meanSd, type MeanSd } from '../../src/protocol/webviews/seedStats';

/** "0.318 ± 0.023" (or the mean alone for a single value), each number written by `fmt`. */
export function formatMeanSd(m: MeanSd, fmt: (v: number) => string): string {
  return Number.isFinite(m.sd) ? `${fmt(m.mean)} ± ${fmt(m.sd)}` : fmt(m.mean);
}

/** One line of a compare panel: a run, or a variant's seeds together. */
export interface SeedGroup<R extends RunLabel> {
  /** The chip's id: the run id, or `seeds:<variant>`. */
  key: string;
  /** The run's name, or the variant's. */
  name: string;
  runs: R[];
  /** The seeds, in the order of `runs` (empty for a single run). */
  seeds: number[];
  /** The config values that differ, `seed=…` left out for a group. */
  differs: string[];
  /** running if any seed runs; else the first seed's status that is not completed; else completed. */
  status: string;
}

/** The runs as the aggregate shows them: one entry per variant (in the order its first seed comes), single runs as themselves. */
export function seedGroups<R extends RunLabel>(runs: readonly R[]): SeedGroup<R>[] {
  const out: SeedGroup<R>[] = [];
  const byVariant = new Map<string, SeedGroup<R>>();
  for (const r of runs) {
    if (!r.seedOf) {
      out.push({ key: r.runId, name: r.name, runs: [r], seeds: [], differs: r.differs, status: r.status });
      continue;
    }
    let g = byVariant.get(r.seedOf.variant);
    if (!g) {
      g = { key: `seeds:${r.seedOf.variant}`, name: r.seedOf.variant, runs: [], seeds: [], differs: [], status: r.status };
      byVariant.set(r.seedOf.variant, g);
      out.push(g);
    }
    g.runs.push(r);
    g.seeds.push(r.seedOf.seed);
  }
  for (const g of byVariant.values()) {
    // seeds in ascending order, whatever order the runs came in (the Runs view lists the newest first)
    const order = g.runs.map((r, i) => i).sort((a, b) => g.seeds[a] - g.seeds[b]);
    g.runs = order.map((i) => g.runs[i]);
    g.seeds = order.map((i) => g.seeds[i]);
    g.differs = g.runs[0].differs.filter((d) => !d.startsWith('seed='));
    const statuses = g.runs.map((r) => r.status);
    g.status = statuses.includes('running') ? 'running' : (statuses.find((s) => s !== 'completed') ?? 'completed');
  }
  return out;
}

/** The panel's lines: each variant's seeds together (`aggregate`), or every run on its own. */
export function groupsOf<R extends RunLabel>(runs: readonly R[], aggregate: boolean): SeedGroup<R>[] {
  if (aggregate) return seedGroups(runs);
  return runs.map((r) => ({ key: r.runId, name: r.name, runs: [r], seeds: [], differs: r.differs, status: r.status }));
}

/** Whether any variant has two seeds or more among the runs (the aggregate has something to do). */
export function hasSeeds(runs: readonly RunLabel[]): boolean {
  return seedGroups(runs).some((g) => g.runs.length > 1);
}

/** A group's chip label: "seeds-method · 3 seeds (0, 1, 2)". */
export function groupLabel(g: SeedGroup<RunLabel>): string {
  return g.seeds.length ? `${g.name} · ${g.seeds.length} seeds (${g.seeds.join(', ')})` : g.name;
}

export interface StepSeries {
  steps: readonly number[];
  values: readonly number[];
}

export interface AggregateSeries {
  /** The union of the seeds' steps, ascending. */
  steps: number[];
  mean: number[];
  sd: number[];
  /** How many seeds have a finite value at the step (a seed still training has fewer steps). */
  n: number[];
}

/** Mean ± sd over the seeds at every step any seed has, over the seeds that have it. */
export function aggregateSteps(series: readonly StepSeries[]): AggregateSeries {
  const at = new Map<number, number[]>();
  for (const s of series)
    s.steps.forEach((st, i) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const list = at.get(st);
      if (list) list.push(v);
      else at.set(st, [v]);
    });
  const steps = [...at.keys()].sort((a, b) => a - b);
  const out: AggregateSeries = { steps, mean: [], sd: [], n: [] };
  for (const st of steps) {
    const m = meanSd(at.get(st)!)!;
    out.mean.push(m.mean);
    out.sd.push(m.sd);
    out.n.push(m.n);
  }
  return out;
}

/**
 * The point a table reports for an aggregate: the newest step that every seed has reached (so the mean is
 * over all of them), or, before that exists, the newest step with the number of seeds it has.
 */
export function latestIndex(a: AggregateSeries, seeds: number): number {
  for (let i = a.steps.length - 1; i >= 0; i--) if (a.n[i] >= seeds) return i;
  return a.steps.length - 1;
}
