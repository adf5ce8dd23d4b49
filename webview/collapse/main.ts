/**
 * The Collapse panel: the log singular-value spectrum of a chosen layer (default the representation; a
 * layer selector) and of the embedding at each diagnostics step (step slider and play), effective rank
 * over time, several runs side by side (MoCo v2 vs the method), and the plain-language reading ("k of d
 * dimensions hold 99% of the variance"). Seeds of a variant (`seeds:` in a config) are shown together,
 * mean ± sd over the seeds, unless the user turns that off.
 *
 * Data comes from the host (diagnostics/<step>.json through src/protocol, eigenvalues as ArrayBuffers);
 * the panel keeps only its UI choices in getState/setState and asks for the data again after a reload.
 */
import type uPlot from 'uplot';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { CollapseRun, CollapseHostMessage } from '../../src/protocol/webviews/collapse';
import { acquireApi } from '../shared/vscodeApi';
import { seedToggle } from '../shared/seedToggle';
import { connectPanel, rerenderOnResize } from '../shared/hostMessages';
import { RANK_HELP } from './reading';
import { readingCard } from './card';
import { rankChart, spectrumChart, type ChartLine } from './charts';
import { EMBEDDING, LAYER_HELP, layerLabel, layerOptions, layerTitle, shownLayer } from './layers';
import { seedCard } from './seedCard';
import { stepOf } from './seedLines';
import { ce, ensureCodicons, h, seriesColors, runChips as chipsOfRuns } from '../shared/dom';
import { groupLabel, groupsOf, hasSeeds, type SeedGroup } from '../shared/seeds';

interface PanelState {
  /** Index into the union of diagnostics steps; -1 = follow the newest. */
  stepIndex: number;
  hidden: string[];
  /** The layer chosen in the selector (absent: the representation). */
  layer?: string;
  /** Show each variant's seeds together, mean ± sd (absent: yes, when the runs include seeds of a variant). */
  bySeed?: boolean;
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

const colorOf = (i: number): string => seriesColors()[i % 6];

function aggregate(): boolean {
  return state.bySeed !== false && hasSeeds(runs);
}

/** What the panel shows side by side: every run, or each variant's seeds together. */
function groups(): SeedGroup<CollapseRun>[] {
  return groupsOf(runs, aggregate());
}

function chartLines(): ChartLine[] {
  return groups()
    .map((g, i) => ({ key: g.key, name: g.name, color: colorOf(i), runs: g.runs }))
    .filter((l) => !state.hidden.includes(l.key));
}

const charts: uPlot[] = [];

// ---------------------------------------------------------------------------------------------------------
function runChips(): HTMLElement {
  const shown = groups().map((g) => ({ runId: g.key, name: groupLabel(g), differs: g.differs, status: g.status }));
  return chipsOfRuns(shown, {
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

/** Each variant's seeds together (mean ± sd) or every run alone; shown only when the runs include seeds of a variant. */
function bySeedSwitch(): HTMLElement {
  return seedToggle(
    aggregate(),
    "Each variant's seeds together: spectra as the mean over the seeds with a band from the lowest to the highest seed, ranks as mean ± sd",
    (checked) => {
      state.bySeed = checked;
      save();
      render();
    },
  );
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
  const bandNote = aggregate() ? ' (seeds: the mean, band from the lowest to the highest seed)' : '';
  children.push(
    runChips(),
    stepControls(step),
    h('div', { class: 'controls' }, layerSelect(layer), hasSeeds(runs) ? bySeedSwitch() : null),
    h(
      'div',
      { class: 'cards', 'data-testid': 'cards' },
      ...groups()
        .map((g, i) => ({ g, color: colorOf(i) }))
        .filter(({ g }) => !state.hidden.includes(g.key))
        .map(({ g, color }) =>
          g.runs.length > 1
            ? seedCard(g, color, step, layer, pickLayer)
            : readingCard(g.runs[0], color, stepOf(g.runs[0], step), layer, pickLayer),
        ),
    ),
    h(
      'div',
      { class: 'grid' },
      h('figure', {}, h('figcaption', { 'data-testid': 'caption-layer' }, `${layerTitle(layer)} spectrum${bandNote}`), layerHost),
      embHost ? h('figure', {}, h('figcaption', {}, `embedding spectrum${bandNote}`), embHost) : null,
    ),
    h(
      'figure',
      {},
      h(
        'figcaption',
        { 'data-testid': 'caption-rank' },
        `Effective rank (RankMe) over time (solid: ${layerTitle(layer)}${embHost ? ', dashed: embedding' : ''})`,
        aggregate() ? '; seeds: mean, band ± 1 sd' : '',
      ),
      rankHost,
    ),
  );
  app.replaceChildren(...children);
  const lines = chartLines();
  charts.push(spectrumChart(layerHost, lines, layer, step));
  if (embHost) charts.push(spectrumChart(embHost, lines, EMBEDDING, step));
  charts.push(rankChart(rankHost, lines, allSteps(), layer, step));
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
