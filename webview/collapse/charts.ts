/**
 * The Collapse panel's two charts, over lines (a run, or a variant's seeds together): the singular-value
 * spectrum of a layer at a step (log axis; a variant: the mean over its seeds, a band from the lowest to
 * the highest seed), and RankMe over time (a variant: the mean, a band of ± one sd), with the step marked.
 */
import uPlot from 'uplot';
import type { CollapseRun } from '../../src/protocol/webviews/collapse';
import { axisStyle, scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { themeColor, translucent } from '../shared/dom';
import { EMBEDDING } from './layers';
import { decadeLabels, decadeSplits } from './logAxis';
import { rankOverTime, spectrumBand } from './seedLines';

export interface ChartLine {
  key: string;
  name: string;
  color: string;
  runs: CollapseRun[];
}

function chartWidth(el: HTMLElement): number {
  return Math.max(240, Math.floor(el.clientWidth || 400));
}

/** Columns of one line: the mean, then (several seeds) the band's edges, which the returned band fills between. */
function withBand(
  line: ChartLine,
  label: string,
  mean: (number | null)[],
  edges: [hi: (number | null)[], lo: (number | null)[]] | undefined,
  data: (number | null)[][],
  series: uPlot.Series[],
  bands: uPlot.Band[],
  style: Partial<uPlot.Series>,
): void {
  data.push(mean);
  series.push({ label, stroke: line.color, width: 2, ...style });
  if (!edges || line.runs.length < 2) return;
  for (const [i, col] of edges.entries()) {
    data.push(col);
    series.push({ label: `${label} ${i ? 'low' : 'high'}`, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
  }
  bands.push({ series: [series.length - 2, series.length - 1], fill: translucent(line.color, 0.18) });
}

export function spectrumChart(host: HTMLElement, lines: readonly ChartLine[], layer: string, step: number): uPlot {
  const shown = lines.map((l) => ({ l, b: spectrumBand(l.runs, step, layer) })).filter((x) => x.b);
  const dim = Math.max(1, ...shown.map((x) => x.b!.mean.length));
  const xs = Array.from({ length: dim }, (_, k) => k + 1);
  const data: (number | null)[][] = [xs];
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  const pad = (v: number[]) => xs.map((_, k) => (k < v.length ? v[k] : null));
  for (const { l, b } of shown)
    withBand(l, l.name, pad(b!.mean), [pad(b!.hi), pad(b!.lo)], data, series, bands, { points: { show: false } });
  const opts: uPlot.Options = {
    width: chartWidth(host),
    height: 220,
    legend: { show: false },
    plugins: [scaleRangesPlugin()],
    cursor: { show: true, drag: { x: false, y: false } },
    scales: { x: { time: false, range: (_u, _min, max) => [1, Math.max(2, max)] }, y: valueScale(true) },
    axes: [
      { ...axisStyle(), label: 'index k (descending)', labelSize: 18 },
      {
        ...axisStyle(),
        label: 'singular value σk (log)',
        labelSize: 18,
        size: 56,
        splits: decadeSplits,
        values: decadeLabels,
        filter: (_u, splits) => splits,
        space: 12,
      },
    ],
    series,
    bands,
  };
  return new uPlot(opts, data as uPlot.AlignedData, host);
}

/** RankMe over time of the chosen layer (solid) and, unless that is the embedding, of the embedding (dashed). */
export function rankChart(host: HTMLElement, lines: readonly ChartLine[], steps: readonly number[], layer: string, step: number): uPlot {
  const series: uPlot.Series[] = [{}];
  const data: (number | null)[][] = [steps.slice()];
  const bands: uPlot.Band[] = [];
  for (const l of lines)
    for (const which of layer === EMBEDDING ? [layer] : [layer, EMBEDDING]) {
      const a = rankOverTime(l.runs, which);
      const at = new Map(a.steps.map((st, i) => [st, i]));
      const col = (f: (i: number) => number) =>
        steps.map((st) => {
          const i = at.get(st);
          return i === undefined || !Number.isFinite(f(i)) ? null : f(i);
        });
      withBand(
        l,
        `${l.name} ${which}`,
        col((i) => a.mean[i]),
        [col((i) => a.mean[i] + a.sd[i]), col((i) => a.mean[i] - a.sd[i])],
        data,
        series,
        bands,
        {
          dash: which === EMBEDDING && layer !== EMBEDDING ? [6, 4] : undefined,
          spanGaps: true,
          points: { show: true, size: 6 },
        },
      );
    }
  const marker: uPlot.Plugin = {
    hooks: {
      draw: (u) => {
        const x = u.valToPos(step, 'x', true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = themeColor('--vscode-focusBorder', '#005fb8');
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      },
    },
  };
  const opts: uPlot.Options = {
    width: chartWidth(host),
    height: 200,
    legend: { show: false },
    plugins: [marker, scaleRangesPlugin()],
    scales: { x: stepScale(), y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { ...axisStyle(), label: 'step', labelSize: 18, incrs: STEP_INCRS },
      { ...axisStyle(), label: 'effective rank', labelSize: 18, size: 48 },
    ],
    series,
    bands,
  };
  return new uPlot(opts, data as uPlot.AlignedData, host);
}
