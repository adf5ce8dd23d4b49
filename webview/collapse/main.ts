/**
 * The Collapse panel: the log singular-value spectrum of a chosen layer (default the representation; a
 * layer selector) and of the embedding at each diagnostics step (step slider and play), effective rank
 * over time, several runs side by side (MoCo v2 vs the method), and the plain-language reading ("k of d
 * dimensions hold 99% of the variance").
 *
 * Data comes from the host (diagnostics/<step>.json through src/protocol, eigenvalues as ArrayBuffers);
 * the panel keeps only its UI choices in getState/setState and asks for the data again after a reload.
 */
import uPlot from 'uplot';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { CollapseRun, CollapseStep, CollapseHostMessage } from '../../src/protocol/webviews/collapse';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel, rerenderOnResize } from '../shared/hostMessages';
import { RANK_HELP } from './reading';
import { readingCard } from './card';
import { decadeLabels, decadeSplits, singularValues } from './logAxis';
import { EMBEDDING, LAYER_HELP, layerLabel, layerOf, layerOptions, layerTitle, shownLayer } from './layers';
import { axisStyle, scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { ce, ensureCodicons, h, seriesColors, themeColor, runChips as chipsOfRuns } from '../shared/dom';

interface PanelState {
  /** Index into the union of diagnostics steps; -1 = follow the newest. */
  stepIndex: number;
  hidden: string[];
  /** The layer chosen in the selector (absent: the representation). */
  layer?: string;
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

const colorOf = (i: number): string => seriesColors()[i % 6];

// ---------------------------------------------------------------------------------------------------------
function chartWidth(el: HTMLElement): number {
  return Math.max(240, Math.floor(el.clientWidth || 400));
}

const charts: uPlot[] = [];

function spectrumChart(host: HTMLElement, layer: string, step: number): void {
  const shown = runs
    .map((r, i) => {
      const s = stepOf(r, step);
      return { r, i, sp: s && layerOf(s, layer) };
    })
    .filter((x) => x.sp && !state.hidden.includes(x.r.runId));
  const dim = Math.max(1, ...shown.map((x) => x.sp!.dim));
  const xs = Array.from({ length: dim }, (_, k) => k + 1);
  const data: uPlot.AlignedData = [
    xs,
    ...shown.map((x) => {
      const sv = singularValues(x.sp!);
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

/** RankMe over time of the chosen layer (solid) and, unless that is the embedding, of the embedding (dashed). */
function rankChart(host: HTMLElement, layer: string, step: number): void {
  const steps = allSteps();
  const series: uPlot.Series[] = [{}];
  const data: (number | null)[][] = [steps];
  runs.forEach((r, i) => {
    if (state.hidden.includes(r.runId)) return;
    for (const which of layer === EMBEDDING ? [layer] : [layer, EMBEDDING]) {
      data.push(
        steps.map((st) => {
          const s = r.steps.find((x) => x.step === st);
          return (s && layerOf(s, which)?.rankMe) ?? null;
        }),
      );
      series.push({
        label: `${r.name} ${which}`,
        stroke: colorOf(i),
        width: 2,
        dash: which === EMBEDDING && layer !== EMBEDDING ? [6, 4] : undefined,
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

/** The layer selector: every layer any run recorded, in network order. */
function layerSelect(layer: string): HTMLElement {
  const sel = ce(
    'vscode-single-select',
    { 'data-testid': 'layer-select', 'aria-label': 'Layer', title: 'Which layer the spectrum, the reading and the solid rank line show' },
    ...layerOptions(runs).map((n) => ce('vscode-option', { value: n, selected: n === layer ? '' : undefined }, layerLabel(n))),
  ) as HTMLElement & { value: string };
  sel.addEventListener('change', () => pickLayer(sel.value));
  return h('label', { class: 'layer-select' }, h('span', {}, 'Layer'), sel);
}

function pickLayer(layer: string): void {
  if (layer === shownLayer(runs, state.layer)) return;
  state.layer = layer;
  save();
  render();
}

function render(): void {
  for (const c of charts.splice(0)) c.destroy();
  const children: Node[] = [
    h('header', { class: 'top' }, h('h1', {}, 'Collapse diagnostics')),
    h('p', { class: 'dim small help', 'data-testid': 'help' }, RANK_HELP, ' ', LAYER_HELP),
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
  const layer = shownLayer(runs, state.layer);
  const layerHost = h('div', { class: 'chart', 'data-testid': `chart-${layer}` });
  const embHost = layer === EMBEDDING ? null : h('div', { class: 'chart', 'data-testid': 'chart-embedding' });
  const rankHost = h('div', { class: 'chart', 'data-testid': 'chart-rank' });
  children.push(
    runChips(),
    stepControls(step),
    layerSelect(layer),
    h(
      'div',
      { class: 'cards', 'data-testid': 'cards' },
      ...runs
        .filter((r) => !state.hidden.includes(r.runId))
        .map((r) => readingCard(r, colorOf(runs.indexOf(r)), stepOf(r, step), layer, pickLayer)),
    ),
    h(
      'div',
      { class: 'grid' },
      h('figure', {}, h('figcaption', { 'data-testid': 'caption-layer' }, `${layerTitle(layer)} spectrum`), layerHost),
      embHost ? h('figure', {}, h('figcaption', {}, 'embedding spectrum'), embHost) : null,
    ),
    h(
      'figure',
      {},
      h('figcaption', {}, `Effective rank (RankMe) over time (solid: ${layerTitle(layer)}${embHost ? ', dashed: embedding' : ''})`),
      rankHost,
    ),
  );
  app.replaceChildren(...children);
  spectrumChart(layerHost, layer, step);
  if (embHost) spectrumChart(embHost, EMBEDDING, step);
  rankChart(rankHost, layer, step);
  app.setAttribute('data-step', String(step));
  app.setAttribute('data-layer', layer);
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

/** The layer dropdown and the slider use the arrow keys themselves. */
const ownsArrows = (t: EventTarget | null): boolean =>
  t instanceof HTMLInputElement || (t instanceof HTMLElement && t.closest('vscode-single-select') !== null);

window.addEventListener('keydown', (e) => {
  if (!ownsArrows(e.target) && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
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
