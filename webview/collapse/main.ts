/**
 * The Collapse panel: the log singular-value spectrum of the representation and of the embedding at each
 * diagnostics step (step slider and play), effective rank over time, several runs side by side (MoCo v2
 * vs the method), and the plain-language reading ("k of d dimensions hold 99% of the variance").
 *
 * Data comes from the host (diagnostics/<step>.json through src/protocol, eigenvalues as ArrayBuffers);
 * the panel keeps only its UI choices in getState/setState and asks for the data again after a reload.
 */
import uPlot from 'uplot';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { CollapseRun, CollapseStep, SpectrumPayload, CollapseHostMessage } from '../../src/protocol/webviews/collapse';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel, rerenderOnResize } from '../shared/hostMessages';
import { RANK_HELP, reading, sampleLimit, verdict } from './reading';
import { axisStyle, scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { ce, ensureCodicons, fmt, h, seriesColors, themeColor, runChips as chipsOfRuns } from '../shared/dom';

interface PanelState {
  /** Index into the union of diagnostics steps; -1 = follow the newest. */
  stepIndex: number;
  hidden: string[];
  /** Run folders shown (the host's serializer reopens them after a reload). */
  dirs?: string[];
}

const vscode = acquireApi<PanelState>('collapse');
ensureCodicons();
let state: PanelState = { stepIndex: -1, hidden: [], ...(vscode.getState() ?? {}) };
let runs: CollapseRun[] = [];
let error: string | undefined;
let playing: ReturnType<typeof setInterval> | undefined;

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

function save(): void {
  vscode.setState(state);
}

/** Every step any run has, ascending. */
function allSteps(): number[] {
  return [...new Set(runs.flatMap((r) => r.steps.map((s) => s.step)))].sort((a, b) => a - b);
}

function currentStep(): number | undefined {
  const steps = allSteps();
  if (!steps.length) return undefined;
  const i = state.stepIndex < 0 || state.stepIndex >= steps.length ? steps.length - 1 : state.stepIndex;
  return steps[i];
}

/** The run's newest diagnostics at or before `step`. */
function stepOf(run: CollapseRun, step: number): CollapseStep | undefined {
  let best: CollapseStep | undefined;
  for (const s of run.steps) if (s.step <= step) best = s;
  return best;
}

/** Singular values of the (normalised) features: σ_k = √λ_k, floored for the log axis. */
export function singularValues(s: SpectrumPayload): number[] {
  const sv = Array.from(new Float64Array(s.eigenvalues), (l) => Math.sqrt(Math.max(l, 0)));
  const floor = Math.max(sv[0] ?? 1, 1e-12) * SV_FLOOR;
  return sv.map((v) => Math.max(v, floor));
}

/** Singular values below this fraction of the largest are numerically zero (fewer samples than dimensions): drawn at the floor. */
const SV_FLOOR = 1e-6;

/** Decade ticks for a log axis, labelled 10^k. */
function decadeSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  return out;
}

function decadeLabels(_u: uPlot, splits: number[]): string[] {
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

const colorOf = (i: number): string => seriesColors()[i % 6];

// ---------------------------------------------------------------------------------------------------------
function chartWidth(el: HTMLElement): number {
  return Math.max(240, Math.floor(el.clientWidth || 400));
}

const charts: uPlot[] = [];

function spectrumChart(host: HTMLElement, which: 'representation' | 'embedding', step: number): void {
  const shown = runs.map((r, i) => ({ r, i, s: stepOf(r, step) })).filter((x) => x.s && !state.hidden.includes(x.r.runId));
  const dim = Math.max(1, ...shown.map((x) => x.s![which].dim));
  const xs = Array.from({ length: dim }, (_, k) => k + 1);
  const data: uPlot.AlignedData = [
    xs,
    ...shown.map((x) => {
      const sv = singularValues(x.s![which]);
      return xs.map((_, k) => (k < sv.length ? sv[k] : null));
    }),
  ];
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
    series: [{}, ...shown.map((x) => ({ label: x.r.name, stroke: colorOf(x.i), width: 2, points: { show: false } }))],
  };
  charts.push(new uPlot(opts, data, host));
}

function rankChart(host: HTMLElement, step: number): void {
  const steps = allSteps();
  const series: uPlot.Series[] = [{}];
  const data: (number | null)[][] = [steps];
  runs.forEach((r, i) => {
    if (state.hidden.includes(r.runId)) return;
    for (const which of ['representation', 'embedding'] as const) {
      data.push(steps.map((st) => r.steps.find((s) => s.step === st)?.[which].rankMe ?? null));
      series.push({
        label: `${r.name} ${which}`,
        stroke: colorOf(i),
        width: 2,
        dash: which === 'embedding' ? [6, 4] : undefined,
        spanGaps: true,
        points: { show: true, size: 6 },
      });
    }
  });
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
  };
  charts.push(new uPlot(opts, data as uPlot.AlignedData, host));
}

// ---------------------------------------------------------------------------------------------------------
function runChips(): HTMLElement {
  return chipsOfRuns(runs, {
    testid: 'runs',
    hidden: state.hidden,
    color: colorOf,
    onToggle: (runId, shown) => {
      state.hidden = shown ? state.hidden.filter((x) => x !== runId) : [...state.hidden, runId];
      save();
      render();
    },
  });
}

function stepControls(step: number): HTMLElement {
  const steps = allSteps();
  const idx = steps.indexOf(step);
  const play = ce(
    'vscode-button',
    { 'data-testid': 'play', icon: playing ? 'debug-pause' : 'play', secondary: '', title: playing ? 'Pause' : 'Play the steps' },
    playing ? 'Pause' : 'Play',
  );
  play.addEventListener('click', () => togglePlay());
  const slider = h('input', {
    type: 'range',
    min: '0',
    max: String(steps.length - 1),
    value: String(idx),
    step: '1',
    'data-testid': 'step-slider',
    'aria-label': 'Diagnostics step',
  });
  slider.addEventListener('input', () => {
    stopPlay();
    state.stepIndex = Number(slider.value) === steps.length - 1 ? -1 : Number(slider.value);
    save();
    render();
  });
  const epoch = runs.map((r) => stepOf(r, step)?.epoch).find((e) => e !== undefined);
  return h(
    'div',
    { class: 'controls' },
    play,
    slider,
    h(
      'span',
      { class: 'step-label', 'data-testid': 'step-label' },
      `step ${step}`,
      epoch !== undefined ? ` · epoch ${epoch}` : '',
      ` (${idx + 1} of ${steps.length})`,
    ),
  );
}

function readingCard(r: CollapseRun, i: number, step: number): HTMLElement {
  const s = stepOf(r, step);
  const part = (which: 'representation' | 'embedding', title: string): HTMLElement => {
    if (!s) return h('p', { class: 'dim' }, 'No diagnostics yet at this step.');
    const sp = s[which];
    const v = verdict(sp);
    return h(
      'div',
      {
        class: 'reading',
        'data-testid': `reading-${r.runId}-${which}`,
        'data-dims99': String(sp.dims99),
        'data-dim': String(sp.dim),
        'data-erank': String(sp.rankMe),
        'data-verdict': v.cls,
      },
      h('h4', {}, title),
      h('p', { class: 'big' }, h('strong', {}, String(sp.dims99)), ` ${reading(sp).slice(String(sp.dims99).length + 1)}.`),
      h(
        'p',
        {},
        `Effective rank (RankMe) ${fmt(sp.rankMe)} of ${sp.dim}; eigenvalue form ${fmt(sp.effectiveRank)}; std × √d ${fmt(sp.stdSqrtD)}.`,
      ),
      sampleLimit(sp) ? h('p', { class: 'dim small', 'data-testid': `limit-${r.runId}-${which}` }, sampleLimit(sp)!) : null,
      h('p', { class: `verdict ${v.cls}`, 'data-testid': `verdict-${r.runId}-${which}` }, v.text),
    );
  };
  return h(
    'section',
    { class: 'card', 'data-testid': `card-${r.runId}`, style: `border-top-color:${colorOf(i)}` },
    h('h3', {}, r.name, h('span', { class: 'dim' }, ` ${s ? `step ${s.step}` : ''}`)),
    part('representation', 'Representation (backbone, pooled)'),
    part('embedding', 'Embedding (projector output)'),
    s
      ? h(
          'p',
          { class: 'dim small', 'data-testid': `extra-${r.runId}` },
          `alignment ${fmt(s.alignment)} · uniformity ${fmt(s.uniformity)} · InfoNCE top-1 ${fmt(s.top1)}`,
        )
      : null,
  );
}

function render(): void {
  for (const c of charts.splice(0)) c.destroy();
  const children: Node[] = [
    h('header', { class: 'top' }, h('h1', {}, 'Collapse diagnostics')),
    h('p', { class: 'dim small help', 'data-testid': 'help' }, RANK_HELP),
  ];
  if (error) children.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, error));
  const step = currentStep();
  if (step === undefined) {
    if (!error)
      children.push(
        h(
          'p',
          { class: 'placeholder', 'data-testid': 'placeholder' },
          runs.length ? 'No diagnostics yet: they are written every diagnostics.everyEpochs epochs.' : 'Loading the run…',
        ),
      );
    app.replaceChildren(...children);
    return;
  }
  const repHost = h('div', { class: 'chart', 'data-testid': 'chart-representation' });
  const embHost = h('div', { class: 'chart', 'data-testid': 'chart-embedding' });
  const rankHost = h('div', { class: 'chart', 'data-testid': 'chart-rank' });
  children.push(
    runChips(),
    stepControls(step),
    h(
      'div',
      { class: 'cards', 'data-testid': 'cards' },
      ...runs.filter((r) => !state.hidden.includes(r.runId)).map((r) => readingCard(r, runs.indexOf(r), step)),
    ),
    h(
      'div',
      { class: 'grid' },
      h('figure', {}, h('figcaption', {}, 'Representation spectrum'), repHost),
      h('figure', {}, h('figcaption', {}, 'Embedding spectrum'), embHost),
    ),
    h('figure', {}, h('figcaption', {}, 'Effective rank (RankMe) over time (solid: representation, dashed: embedding)'), rankHost),
  );
  app.replaceChildren(...children);
  spectrumChart(repHost, 'representation', step);
  spectrumChart(embHost, 'embedding', step);
  rankChart(rankHost, step);
  app.setAttribute('data-step', String(step));
}

function stopPlay(): void {
  if (playing) clearInterval(playing);
  playing = undefined;
}

function togglePlay(): void {
  if (playing) {
    stopPlay();
    render();
    return;
  }
  const steps = allSteps();
  if (steps.length < 2) return;
  state.stepIndex = 0;
  playing = setInterval(() => {
    const n = allSteps().length;
    if (state.stepIndex < 0 || state.stepIndex >= n - 1) {
      stopPlay();
      state.stepIndex = -1;
    } else state.stepIndex += 1;
    save();
    render();
  }, 800);
  save();
  render();
}

rerenderOnResize(render);

window.addEventListener('keydown', (e) => {
  if (!(e.target instanceof HTMLInputElement) && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
    const steps = allSteps();
    const cur = steps.indexOf(currentStep() ?? 0);
    const next = Math.min(steps.length - 1, Math.max(0, cur + (e.key === 'ArrowRight' ? 1 : -1)));
    state.stepIndex = next === steps.length - 1 ? -1 : next;
    save();
    render();
  }
});

connectPanel<CollapseHostMessage, PanelState>(
  vscode,
  {
    collapse: (m) => {
      runs = m.runs;
      error = undefined;
      state.dirs = m.runs.map((r) => r.dir).filter((d): d is string => typeof d === 'string');
      save();
      render();
    },
    collapseStep: (m) => {
      const r = runs.find((x) => x.runId === m.runId);
      if (!r) return;
      r.steps = [...r.steps.filter((s) => s.step !== m.step.step), m.step].sort((a, b) => a.step - b.step);
      render();
    },
    runError: (m) => {
      error = m.message;
      render();
    },
  },
  render,
);
