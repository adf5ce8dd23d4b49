/**
 * Seeds and statistics: runs of the same variant over several seeds (named <name>-<variant>-seed<N> by
 * `seeds:` in a config) grouped into one row: mean ± sd over seeds of the linear evaluation's mean Dice,
 * its Dice per class and RankMe; and for each row against the first (the baseline) the paired
 * difference of mean Dice per held-out case, paired by (seed, case), with a 95% percentile bootstrap
 * interval over those case × seed pairs.
 */
import { bootstrapMeanInterval, meanSd, type BootstrapInterval, type MeanSd } from '../metrics/bootstrap';
import { SEED_SUFFIX } from '../eval/variants';
import { readMetrics, type RunSummary } from './summary';

export interface VariantAggregate {
  variant: string;
  seeds: number[];
  linearDice: MeanSd | null;
  /** Per foreground class (index 0 is the background, left out): mean ± sd over seeds. */
  perClassDice: Array<MeanSd | null>;
  classNames: string[];
  rankMe: MeanSd | null;
  /** Against the first variant; null for the first itself or when no (seed, case) pair is shared. */
  diffVsFirst: (BootstrapInterval & { pairs: number }) | null;
}

/** One run's numbers that the aggregation needs (what summarizeRun and metrics.json hold). */
export interface SeedRun {
  variant: string;
  seed: number;
  linearDice: number | null;
  rankMe: number | null;
  perClass: Array<number | null>;
  classNames: string[];
  /** Mean foreground Dice per held-out case id. */
  cases: Map<string, number>;
}

/** The variant and seed of a run name: "abl-method-seed2" → {variant "abl-method", seed 2}; no suffix: the whole name, seed null. */
export function splitSeed(name: string): { variant: string; seed: number | null } {
  const m = SEED_SUFFIX.exec(name);
  return m ? { variant: name.slice(0, m.index), seed: Number(m[1]) } : { variant: name, seed: null };
}

/** A summary row plus its metrics.json (linear evaluation), as a SeedRun. */
export function seedRunOf(r: RunSummary, index: number): SeedRun {
  const m = readMetrics(r.dir)?.linear;
  const { variant, seed } = splitSeed(r.name);
  const cases = new Map<string, number>();
  for (const c of m?.cases ?? []) if (c.meanForeground !== null) cases.set(c.caseId, c.meanForeground);
  return {
    variant,
    seed: seed ?? index,
    linearDice: r.linearDice,
    rankMe: r.rankMe,
    perClass: (m?.summary.perClass ?? []).map((p) => p.mean),
    classNames: m?.classNames ?? [],
    cases,
  };
}

const present = (x: Array<number | null | undefined>): number[] =>
  x.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/** Rows in the order their variants first appear; the first is the baseline of the differences. */
export function aggregateSeeds(runs: readonly SeedRun[], o: { resamples?: number; seed?: number } = {}): VariantAggregate[] {
  const order: string[] = [];
  const groups = new Map<string, SeedRun[]>();
  for (const r of runs) {
    if (!groups.has(r.variant)) {
      groups.set(r.variant, []);
      order.push(r.variant);
    }
    groups.get(r.variant)!.push(r);
  }
  const base = groups.get(order[0]) ?? [];
  return order.map((v, i) => {
    const g = groups.get(v)!;
    const classes = Math.max(0, ...g.map((r) => r.perClass.length));
    const perClassDice = Array.from({ length: Math.max(0, classes - 1) }, (_, k) => meanSd(present(g.map((r) => r.perClass[k + 1]))));
    let diffVsFirst: VariantAggregate['diffVsFirst'] = null;
    if (i > 0) {
      const d: number[] = [];
      for (const r of g) {
        const b = base.find((x) => x.seed === r.seed);
        if (!b) continue;
        for (const [caseId, dice] of r.cases) if (b.cases.has(caseId)) d.push(dice - b.cases.get(caseId)!);
      }
      const ci = bootstrapMeanInterval(d, { resamples: o.resamples, seed: o.seed });
      diffVsFirst = ci ? { ...ci, pairs: d.length } : null;
    }
    return {
      variant: v,
      seeds: g.map((r) => r.seed),
      linearDice: meanSd(present(g.map((r) => r.linearDice))),
      perClassDice,
      classNames: g.find((r) => r.classNames.length)?.classNames.slice(1) ?? [],
      rankMe: meanSd(present(g.map((r) => r.rankMe))),
      diffVsFirst,
    };
  });
}

const pm = (x: MeanSd | null, d = 3) => (x ? `${x.mean.toFixed(d)} ± ${Number.isFinite(x.sd) ? x.sd.toFixed(d) : '–'}` : '–');

/** The cells of one aggregated row (shared by the Markdown and HTML tables). */
function cells(r: VariantAggregate, i: number): string[] {
  const perClass = r.perClassDice.map((x, k) => `${r.classNames[k] ?? `class ${k + 1}`} ${pm(x)}`).join('; ') || '–';
  const diff =
    i === 0
      ? '(baseline)'
      : r.diffVsFirst
        ? `${r.diffVsFirst.mean >= 0 ? '+' : ''}${r.diffVsFirst.mean.toFixed(3)} [${r.diffVsFirst.lo.toFixed(3)}, ${r.diffVsFirst.hi.toFixed(3)}]`
        : '–';
  return [
    r.variant,
    r.seeds.join(', '),
    pm(r.linearDice),
    perClass,
    pm(r.rankMe, 2),
    diff,
    i === 0 ? '' : String(r.diffVsFirst?.pairs ?? 0),
  ];
}

/** Column titles of the aggregated table. */
export function aggregateHeader(rows: readonly VariantAggregate[]): string[] {
  return [
    'variant',
    'seeds',
    'mean Dice (linear)',
    'Dice per class',
    'RankMe (repr.)',
    `Δ mean Dice vs ${rows[0]?.variant ?? ''} [95% CI]`,
    'case × seed pairs',
  ];
}

/** The rows' cells as text (the HTML report escapes and lays them out). */
export function aggregateCells(rows: readonly VariantAggregate[]): string[][] {
  return rows.map(cells);
}

/** The aggregated table as Markdown (mean ± sd over seeds; Δ against the first row with its 95% interval). */
export function aggregateMarkdown(rows: readonly VariantAggregate[]): string {
  const head = `| ${aggregateHeader(rows).join(' | ')} |`;
  const sep = '|---|---|---:|---|---:|---|---:|';
  return [head, sep, ...rows.map((r, i) => `| ${cells(r, i).join(' | ')} |`)].join('\n');
}

/** True when some variant has more than one run (seeds): the report then adds the aggregated table. */
export function hasSeedGroups(rows: readonly RunSummary[]): boolean {
  const names = rows
    .map((r) => splitSeed(r.name))
    .filter((s) => s.seed !== null)
    .map((s) => s.variant);
  return names.some((n, i) => names.indexOf(n) !== i);
}
