/**
 * What `medssl run` prints at the end: in the one-line summary of a run, the local loss (which is NaN
 * when the local loss is off, and must not read as a fault) and the collapse numbers (RankMe leads; the
 * eigenvalue form is named as such); after several runs, the tables.
 */
import { aggregateMarkdown, aggregateSeeds, hasSeedGroups, seedRunOf } from '../../core/report/aggregate';
import { reportMarkdown, type RunSummary } from '../../core/report/summary';
import type { Diagnostics } from '../../core/train/diagnostics';

/** The local loss for the summary: `off` when disabled, `skipped` when every pair was skipped, else 4 decimals. */
export function localLossText(enabled: boolean, local: number): string {
  if (!enabled) return 'off';
  return Number.isFinite(local) ? local.toFixed(4) : 'n/a (every pair skipped)';
}

/** "representation RankMe 35.20 (eigenvalue form 9.88; 36 dims for 99%), embedding RankMe 19.10". */
export function rankSummary(d: Pick<Diagnostics, 'representation' | 'embedding'>): string {
  const r = d.representation;
  return `representation RankMe ${r.rankMe.toFixed(2)} (eigenvalue form ${r.effectiveRank.toFixed(2)}; ${r.dims99} dims for 99%), embedding RankMe ${d.embedding.rankMe.toFixed(2)}`;
}

/** The table printed after a config's runs: one row per run, then, with seeds, the rows aggregated over seeds. */
export function summaryTables(rows: readonly RunSummary[]): string {
  return hasSeedGroups(rows)
    ? `${reportMarkdown(rows)}\n\n${aggregateMarkdown(aggregateSeeds(rows.map(seedRunOf)))}`
    : reportMarkdown(rows);
}
