/**
 * The Collapse panel's numbers for a variant's seeds together: at a diagnostics step, the spectrum's mean
 * over the seeds with the lowest and highest seed (the band `medssl report` draws), RankMe and the other
 * readings as mean ± sd, and RankMe over time as mean ± sd. Pure (unit-tested in node).
 */
import type { CollapseRun, CollapseStep, SpectrumPayload } from '../../src/protocol/webviews/collapse';
import { bandOver } from '../../src/protocol/webviews/seedStats';
import { aggregateSteps, meanSd, type AggregateSeries, type MeanSd } from '../shared/seeds';
import { layerOf } from './layers';
import { singularValues } from './logAxis';
import { verdict, type VerdictClass } from './reading';

/** The run's newest diagnostics at or before `step`. */
export function stepOf(run: CollapseRun, step: number): CollapseStep | undefined {
  let best: CollapseStep | undefined;
  for (const s of run.steps) if (s.step <= step) best = s;
  return best;
}

export interface SpectrumBand {
  /** Mean over seeds of σ_k, and the lowest and highest seed's σ_k, per index k (over the seeds whose spectrum reaches k). */
  mean: number[];
  lo: number[];
  hi: number[];
  /** Seeds with this layer at the step. */
  n: number;
}

/** Singular values of `layer` at `step` over the seeds: mean, min and max per index; undefined when no seed has it. */
export function spectrumBand(runs: readonly CollapseRun[], step: number, layer: string): SpectrumBand | undefined {
  const svs = runs
    .map((r) => stepOf(r, step))
    .map((s) => s && layerOf(s, layer))
    .filter((sp): sp is SpectrumPayload => sp !== undefined)
    .map(singularValues);
  if (!svs.length) return undefined;
  return { ...bandOver(svs), n: svs.length };
}

/** RankMe of `layer` by diagnostics step, mean ± sd over the seeds that have reached the step. */
export function rankOverTime(runs: readonly CollapseRun[], layer: string): AggregateSeries {
  return aggregateSteps(
    runs.map((r) => {
      const steps: number[] = [];
      const values: number[] = [];
      for (const s of r.steps) {
        const sp = layerOf(s, layer);
        if (sp) {
          steps.push(s.step);
          values.push(sp.rankMe);
        }
      }
      return { steps, values };
    }),
  );
}

export interface LayerSummary {
  dim: number;
  rankMe: MeanSd;
  effectiveRank: MeanSd;
  dims99: MeanSd;
  stdSqrtD: MeanSd;
  /** Each seed's verdict class, in seed order. */
  verdicts: VerdictClass[];
  /** The verdict texts by class, as the seeds read (one text per class seen). */
  texts: Partial<Record<VerdictClass, string>>;
}

/** The readings of `layer` over the seeds' diagnostics at `step` (each seed's newest at or before it). */
export function layerSummary(runs: readonly CollapseRun[], step: number, layer: string): LayerSummary | undefined {
  const sps = runs
    .map((r) => stepOf(r, step))
    .map((s) => s && layerOf(s, layer))
    .filter((sp): sp is SpectrumPayload => sp !== undefined);
  if (!sps.length) return undefined;
  const of = (f: (s: SpectrumPayload) => number): MeanSd => meanSd(sps.map(f)) ?? { mean: Number.NaN, sd: Number.NaN, n: 0 };
  const texts: Partial<Record<VerdictClass, string>> = {};
  const verdicts = sps.map((sp) => {
    const v = verdict(sp);
    texts[v.cls] ??= v.text;
    return v.cls;
  });
  return {
    dim: sps[0].dim,
    rankMe: of((s) => s.rankMe),
    effectiveRank: of((s) => s.effectiveRank),
    dims99: of((s) => s.dims99),
    stdSqrtD: of((s) => s.stdSqrtD),
    verdicts,
    texts,
  };
}

/** "all 3 seeds: partly collapsed: …", or "2 of 3 seeds: …; 1 of 3: …" when the seeds read differently. */
export function verdictSummary(s: LayerSummary): { cls: VerdictClass; text: string } {
  const order: VerdictClass[] = ['bad', 'warn', 'ok'];
  const counts = order.map((c) => [c, s.verdicts.filter((v) => v === c).length] as const).filter(([, n]) => n > 0);
  const total = s.verdicts.length;
  if (counts.length === 1) return { cls: counts[0][0], text: `${total > 1 ? `all ${total} seeds` : '1 seed'}: ${s.texts[counts[0][0]]}` };
  // the worst reading leads the class: a variant is only as spread as its worst seed
  return { cls: counts[0][0], text: counts.map(([c, n]) => `${n} of ${total} seeds ${s.texts[c]}`).join('; ') };
}

/** Mean ± sd over the seeds of a step's extra readings (alignment, uniformity, InfoNCE top-1). */
export function extrasSummary(
  runs: readonly CollapseRun[],
  step: number,
): { alignment: MeanSd; uniformity: MeanSd; top1: MeanSd } | undefined {
  const steps = runs.map((r) => stepOf(r, step)).filter((s): s is CollapseStep => s !== undefined);
  if (!steps.length) return undefined;
  const of = (f: (s: CollapseStep) => number): MeanSd => meanSd(steps.map(f)) ?? { mean: Number.NaN, sd: Number.NaN, n: 0 };
  return { alignment: of((s) => s.alignment), uniformity: of((s) => s.uniformity), top1: of((s) => s.top1) };
}
