/**
 * The Curves panel: every scalar of events.jsonl, grouped (losses, learning rate, InfoNCE accuracy,
 * images/s, Dice, effective rank, other), with smoothing and log-y, several runs overlaid (legend: the
 * config values in which they differ), new points appended live, CSV and PNG export. Seeds of a variant
 * (`seeds:` in a config) are drawn as one line, mean ± sd over the seeds, unless the user turns that off.
 */
import uPlot from 'uplot';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { CurvesRun, ScalarPoint, CurvesHostMessage } from '../../src/protocol/webviews/curves';
import { acquireApi } from '../shared/vscodeApi';
import { seedToggle } from '../shared/seedToggle';
import { connectPanel, rerenderOnResize } from '../shared/hostMessages';
import { axisStyle, scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { ce, ensureCodicons, fmt, h, seriesColors, themeColor, translucent, runChips as chipsOfRuns } from '../shared/dom';
import { groupLabel, hasSeeds, latestIndex } from '../shared/seeds';
import { GROUPS, groupOf } from './groups';
import { groupColumns, lineSeries, linesOf, namesIn as namesOfRuns, type Column, type Line, type Run } from './lines';
import { drawnAsWhiskers, seedCsv, whiskersPlugin } from './seedDraw';

interface PanelState {
  smoothing: number;
  logY: boolean;
  hidden: string[];
  /** Draw each variant's seeds as one line, mean ± sd (absent: yes, when the runs include seeds of a variant). */
  bySeed?: boolean;
  dirs?: string[];
}

const vscode = acquireApi<PanelState>('curves');
ensureCodicons();
let state: PanelState = { smoothing: 0.6, logY: false, hidden: [], ...(vscode.getState() ?? {}) };
let runs: Run[] = [];
let error: string | undefined;
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

function save(): void {
  vscode.setState(state);
}

const colorOf = (i: number): string => seriesColors()[i % 6];
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];

/** Whether each variant's seeds are drawn as one line (the runs include seeds, and the user has not turned it off). */
function aggregate(): boolean {
  return state.bySeed !== false && hasSeeds(runs);
}

function lines(): Line[] {
  return linesOf(runs, aggregate());
}

function namesIn(group: string): string[] {
  return namesOfRuns(runs, group);
}

// ---------------------------------------------------------------------------------------------------------
const charts = new Map<string, uPlot>();

/**
 * Aligned data of a group: x = union of steps, one column per (shown line, name), smoothed; a variant's
 * seeds add the ± sd edges, filled between as a band (and drawn as whiskers where the line has under 3 points).
 */
function groupData(group: string): { data: uPlot.AlignedData; series: uPlot.Series[]; bands: uPlot.Band[]; columns: Column[] } {
  const { x, columns } = groupColumns(lines(), namesIn(group), group, state);
  const data: (number | null)[][] = [x];
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  const at = new Map<string, number>();
  for (const c of columns) {
    data.push(c.values);
    at.set(c.key, series.length);
    const color = colorOf(c.li);
    if (c.role === 'partial') {
      series.push({
        label: `${c.line.name} · ${c.name} (not every seed yet)`,
        stroke: translucent(color, 0.55),
        dash: [2, 3],
        width: 1.25,
        spanGaps: true,
        points: { show: false },
      });
      continue;
    }
    if (c.role !== 'mean') {
      series.push({
        label: `${c.line.name} · ${c.name} (${c.role === 'hi' ? '+' : '−'}sd)`,
        stroke: 'transparent',
        width: 0,
        spanGaps: true,
        points: { show: false },
      });
      // a line of one or two points gets whiskers instead (seedDraw.ts)
      if (c.role === 'lo' && c.points >= 3)
        bands.push({ series: [at.get(`${c.line.key}|${c.name}|hi`)!, series.length - 1], fill: translucent(color, 0.18) });
      continue;
    }
    // a variant's line of one or two points is drawn by the whiskers plugin (dot and ± sd), spread sideways
    const whiskers = drawnAsWhiskers(c);
    series.push({
      label: `${c.line.name} · ${c.name}`,
      stroke: whiskers ? 'transparent' : color,
      dash: DASHES[c.ni % DASHES.length],
      width: 1.75,
      spanGaps: true,
      points: { show: !whiskers && (x.length < 3 || c.points < 3), size: 7, fill: color },
    });
  }
  return { data: data as uPlot.AlignedData, series, bands, columns };
}

/** The columns each chart draws now (the whiskers read them when the chart draws). */
const chartColumns = new Map<string, Column[]>();

function makeChart(group: string, host: HTMLElement): void {
  const { data, series, bands, columns } = groupData(group);
  chartColumns.set(group, columns);
  const opts: uPlot.Options = {
    width: Math.max(280, Math.floor(host.clientWidth || 420)),
    height: 190,
    legend: { show: false },
    plugins: [scaleRangesPlugin(), whiskersPlugin(() => chartColumns.get(group) ?? [], colorOf)],
    cursor: { drag: { x: true, y: false } },
    scales: { x: stepScale(), y: valueScale(state.logY) },
    axes: [
      { ...axisStyle(), label: 'step', labelSize: 16, incrs: STEP_INCRS },
      { ...axisStyle(), size: 56, values: (_u, splits) => splits.map((v) => (v === null ? '' : fmt(v, 3))) },
    ],
    series,
    bands,
  };
  charts.set(group, new uPlot(opts, data, host));
}

/** Live points: new data into the existing chart (no rebuild) when its series are unchanged. */
function refreshChart(group: string): boolean {
  const u = charts.get(group);
  if (!u) return false;
  const { data, series, columns } = groupData(group);
  if (series.length !== u.series.length) return false;
  chartColumns.set(group, columns);
  u.setData(data);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
/** One chip per line: a run, or a variant with its seeds ("method · 3 seeds (0, 1, 2)"). */
function legend(): HTMLElement {
  const shown = lines().map((l) => ({ runId: l.key, name: groupLabel(l), differs: l.differs, status: l.status }));
  return chipsOfRuns(shown, {
    testid: 'legend',
    hidden: state.hidden,
    color: colorOf,
    showStatus: true,
    onToggle: (runId, shown) => {
      state.hidden = shown ? state.hidden.filter((x) => x !== runId) : [...state.hidden, runId];
      save();
      render();
    },
  });
}

function toolbar(): HTMLElement {
  const slider = h('input', {
    type: 'range',
    min: '0',
    max: '0.99',
    step: '0.01',
    value: String(state.smoothing),
    'data-testid': 'smoothing',
    'aria-label': 'Smoothing',
  });
  const label = h('span', { class: 'smoothing-value', 'data-testid': 'smoothing-value' }, state.smoothing.toFixed(2));
  slider.addEventListener('input', () => {
    state.smoothing = Number(slider.value);
    label.textContent = state.smoothing.toFixed(2);
    save();
    for (const g of charts.keys()) refreshChart(g);
  });
  const log = ce('vscode-checkbox', { 'data-testid': 'log-y', label: 'log y', ...(state.logY ? { checked: '' } : {}) });
  log.addEventListener('change', () => {
    state.logY = (log as HTMLElement & { checked: boolean }).checked;
    save();
    render();
  });
  const csv = ce('vscode-button', { 'data-testid': 'export-csv', icon: 'export', secondary: '' }, 'CSV');
  csv.addEventListener('click', () => vscode.postMessage({ type: 'saveFile', suggestedName: 'curves.csv', text: toCsv() }));
  const png = ce('vscode-button', { 'data-testid': 'export-png', icon: 'file-media', secondary: '' }, 'PNG');
  png.addEventListener('click', () => void exportPng());
  return h(
    'div',
    { class: 'controls' },
    h('label', { class: 'smoothing' }, 'Smoothing ', slider, label),
    log,
    hasSeeds(runs) ? bySeedSwitch() : null,
    h('span', { class: 'spacer' }),
    csv,
    png,
  );
}

/** Mean ± sd over seeds, or every run on its own (shown only when the runs include seeds of a variant). */
function bySeedSwitch(): HTMLElement {
  return seedToggle(
    aggregate(),
    "Each variant's seeds as one line: the mean over its seeds, with a band of ± one sample standard deviation",
    (checked) => {
      state.bySeed = checked;
      save();
      render();
    },
  );
}

/** Raw values (not smoothed), one row per point: run, name, step, value; with seeds aggregated, variant, name, step, n, mean, sd. */
export function toCsv(): string {
  if (aggregate()) return seedCsv(lines(), (line, name, group) => lineSeries(line, name, group, 0), groupOf);
  const rows = ['run,name,step,value'];
  for (const r of runs)
    for (const s of r.series.values()) s.steps.forEach((st, i) => rows.push(`${r.runId},${s.name},${st},${s.values[i]}`));
  return rows.join('\n') + '\n';
}

/** Every chart of the page on one canvas, titled, in the theme's background. */
async function exportPng(): Promise<void> {
  const list = [...charts.entries()];
  const pad = 8;
  const titleH = 20;
  const w = Math.max(...list.map(([, u]) => u.ctx.canvas.width)) + 2 * pad;
  const hgt = list.reduce((a, [, u]) => a + u.ctx.canvas.height + titleH + pad, pad);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = hgt;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = themeColor('--vscode-editor-background', '#ffffff');
  ctx.fillRect(0, 0, w, hgt);
  ctx.fillStyle = themeColor('--vscode-foreground', '#333333');
  ctx.font = '13px sans-serif';
  let y = pad;
  for (const [g, u] of list) {
    ctx.fillText(GROUPS.find((x) => x.id === g)!.title, pad, y + 14);
    y += titleH;
    ctx.drawImage(u.ctx.canvas, pad, y);
    y += u.ctx.canvas.height + pad;
  }
  const blob = await new Promise<Blob | null>((r) => c.toBlob(r, 'image/png'));
  if (!blob) return;
  vscode.postMessage({ type: 'saveFile', suggestedName: 'curves.png', bytes: await blob.arrayBuffer() });
}

/** The line as drawn (run colour, name dash), for the legend rows. */
function lineSample(color: string, dash: number[] | undefined): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '8');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(ns, 'line');
  for (const [k, v] of Object.entries({ x1: '0', y1: '4', x2: '28', y2: '4', stroke: color, 'stroke-width': '2' })) line.setAttribute(k, v);
  if (dash) line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  return svg;
}

/**
 * The newest raw (unsmoothed) value of each shown line and name; for a variant, mean ± sd over its seeds
 * at the newest step all of them have reached (or, before that, the newest step, saying how many seeds).
 */
function latestTable(group: string): HTMLElement {
  const rows: HTMLElement[] = [];
  const all = lines();
  namesIn(group).forEach((name, ni) => {
    all.forEach((line, li) => {
      if (state.hidden.includes(line.key)) return;
      const a = lineSeries(line, name, group, 0);
      if (!a || !a.steps.length) return;
      const seeds = line.runs.length;
      const i = seeds > 1 ? latestIndex(a, seeds) : a.steps.length - 1;
      const sample = h('td', {});
      sample.append(lineSample(colorOf(li), DASHES[ni % DASHES.length]));
      const value = seeds > 1 && Number.isFinite(a.sd[i]) ? `${fmt(a.mean[i], 4)} ± ${fmt(a.sd[i], 2)}` : fmt(a.mean[i], 4);
      rows.push(
        h(
          'tr',
          { 'data-name': name, 'data-run': line.key, ...(seeds > 1 ? { 'data-n': String(a.n[i]) } : {}) },
          sample,
          h('td', {}, name),
          h('td', { class: 'dim' }, line.name),
          h('td', { class: 'num', 'data-testid': 'latest' }, value),
          h('td', { class: 'num dim' }, `step ${a.steps[i]}${seeds > 1 ? ` · ${a.n[i]} of ${seeds} seeds` : ''}`),
        ),
      );
    });
  });
  return h('table', { class: 'latest', 'data-testid': `latest-${group}` }, h('tbody', {}, ...rows));
}

function render(): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  const children: Node[] = [h('header', { class: 'top' }, h('h1', {}, 'Training curves'))];
  if (error) children.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, error));
  if (!runs.length) {
    if (!error) children.push(h('p', { class: 'placeholder', 'data-testid': 'placeholder' }, 'Loading the run…'));
    app.replaceChildren(...children);
    return;
  }
  children.push(legend(), toolbar());
  if (aggregate())
    children.push(
      h(
        'p',
        { class: 'dim small', 'data-testid': 'seed-note' },
        'Each variant: the mean over its seeds (each seed smoothed first), a band of ± one sample standard deviation; a line of one or two points (a final Dice) as dots with ± sd whiskers; fainter and dotted where not every seed has reached the step yet. The tables give the raw values at the newest step all seeds reached.',
      ),
    );
  const hosts: [string, HTMLElement][] = [];
  const grid = h('div', { class: 'groups' });
  for (const g of GROUPS) {
    if (!namesIn(g.id).length) continue;
    const host = h('div', { class: 'chart', 'data-testid': `chart-${g.id}` });
    hosts.push([g.id, host]);
    grid.append(h('section', { class: 'group', 'data-group': g.id }, h('h2', {}, g.title), host, latestTable(g.id)));
  }
  children.push(grid);
  app.replaceChildren(...children);
  for (const [g, host] of hosts) makeChart(g, host);
}

function append(runId: string, points: ScalarPoint[], status?: string): void {
  const r = runs.find((x) => x.runId === runId);
  if (!r) return;
  if (status) r.status = status;
  const touched = new Set<string>();
  let newName = false;
  for (const p of points) {
    let s = r.series.get(p.name);
    if (!s) {
      r.series.set(p.name, (s = { name: p.name, steps: [], values: [] }));
      newName = true;
    }
    const last = s.steps.length ? s.steps[s.steps.length - 1] : -Infinity;
    if (p.step > last) {
      s.steps.push(p.step);
      s.values.push(p.value);
    } else {
      const i = s.steps.indexOf(p.step);
      if (i >= 0) s.values[i] = p.value;
      else {
        const j = s.steps.findIndex((x) => x > p.step);
        s.steps.splice(j, 0, p.step);
        s.values.splice(j, 0, p.value);
      }
    }
    touched.add(groupOf(p.name));
  }
  if (newName || status) return render();
  for (const g of touched) {
    if (!refreshChart(g)) return render();
    document.querySelector(`[data-testid="latest-${g}"]`)?.replaceWith(latestTable(g));
  }
}

rerenderOnResize(render);

connectPanel<CurvesHostMessage, PanelState>(
  vscode,
  {
    curves: (m) => {
      runs = m.runs.map((r: CurvesRun) => ({
        runId: r.runId,
        name: r.name,
        status: r.status,
        differs: r.differs,
        dir: r.dir,
        ...(r.seedOf ? { seedOf: r.seedOf } : {}),
        series: new Map(
          r.series.map((s) => [
            s.name,
            { name: s.name, steps: Array.from(new Float64Array(s.steps)), values: Array.from(new Float64Array(s.values)) },
          ]),
        ),
      }));
      error = undefined;
      state.dirs = runs.map((r) => r.dir).filter((d): d is string => typeof d === 'string');
      save();
      render();
    },
    curvesAppend: (m) => append(m.runId, m.points, m.status),
    runError: (m) => {
      error = m.message;
      render();
    },
  },
  render,
);
