/**
 * The Curves panel: every scalar of events.jsonl, grouped (losses, learning rate, InfoNCE accuracy,
 * images/s, Dice, effective rank, other), with smoothing and log-y, several runs overlaid (legend: the
 * config values in which they differ), new points appended live, CSV and PNG export.
 */
import uPlot from 'uplot';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { CurvesRun, ScalarPoint, CurvesHostMessage } from '../../src/protocol/webviews/curves';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel, rerenderOnResize } from '../shared/hostMessages';
import { axisStyle, scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { ce, ensureCodicons, fmt, h, seriesColors, themeColor, runChips as chipsOfRuns } from '../shared/dom';

interface PanelState {
  smoothing: number;
  logY: boolean;
  hidden: string[];
  dirs?: string[];
}

interface Series {
  name: string;
  steps: number[];
  values: number[];
}
interface Run {
  runId: string;
  name: string;
  status: string;
  differs: string[];
  dir?: string;
  series: Map<string, Series>;
}

const vscode = acquireApi<PanelState>('curves');
ensureCodicons();
let state: PanelState = { smoothing: 0.6, logY: false, hidden: [], ...(vscode.getState() ?? {}) };
let runs: Run[] = [];
let error: string | undefined;
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

export const GROUPS: { id: string; title: string; test: (n: string) => boolean }[] = [
  { id: 'loss', title: 'Losses (pretraining)', test: (n) => /(^|\/)loss(\/|$)/.test(n) && !/^(linear|finetune)\//.test(n) },
  { id: 'evalLoss', title: 'Losses (linear evaluation / fine-tuning; their own steps)', test: (n) => /^(linear|finetune)\/.*loss/.test(n) },
  { id: 'lr', title: 'Learning rate', test: (n) => n === 'lr' || /(^|\/)lr$/.test(n) },
  { id: 'infonce', title: 'InfoNCE accuracy (top-1)', test: (n) => /infonce\/top1/.test(n) },
  { id: 'throughput', title: 'Images per second', test: (n) => /images\/s/.test(n) },
  { id: 'dice', title: 'Dice', test: (n) => /dice/i.test(n) },
  { id: 'rank', title: 'Effective rank', test: (n) => /effectiveRank|rankMe/.test(n) },
  // The rest of the collapse diagnostics, each on its own scale (together they spanned 0.01 to 40: unreadable).
  { id: 'dims99', title: 'Dimensions holding 99% of the variance', test: (n) => /dims99/.test(n) },
  { id: 'alignUniform', title: 'Alignment and uniformity (held-out slices)', test: (n) => /^diag\/(alignment|uniformity)$/.test(n) },
  { id: 'stdSqrtD', title: 'std × √d of the normalised features', test: (n) => /stdSqrtD/.test(n) },
  { id: 'other', title: 'Other', test: () => true },
];

export function groupOf(name: string): string {
  return GROUPS.find((g) => g.test(name))!.id;
}

/** TensorBoard's smoothing: exponential moving average, debiased so the first points are not pulled to 0. */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

function save(): void {
  vscode.setState(state);
}

const colorOf = (i: number): string => seriesColors()[i % 6];
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];

function namesIn(group: string): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const n of r.series.keys()) if (groupOf(n) === group) names.add(n);
  return [...names].sort();
}

// ---------------------------------------------------------------------------------------------------------
const charts = new Map<string, uPlot>();

/** Aligned data of a group: x = union of steps, one column per (shown run, name), smoothed. */
function groupData(group: string): { data: uPlot.AlignedData; series: uPlot.Series[]; keys: string[] } {
  const names = namesIn(group);
  const xs = new Set<number>();
  const cols: { key: string; run: Run; ri: number; name: string; ni: number }[] = [];
  runs.forEach((r, ri) => {
    if (state.hidden.includes(r.runId)) return;
    names.forEach((name, ni) => {
      const s = r.series.get(name);
      if (!s) return;
      for (const x of s.steps) xs.add(x);
      cols.push({ key: `${r.runId}|${name}`, run: r, ri, name, ni });
    });
  });
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const data: (number | null)[][] = [x];
  const series: uPlot.Series[] = [{}];
  for (const c of cols) {
    const s = c.run.series.get(c.name)!;
    const col: (number | null)[] = new Array(x.length).fill(null);
    const sm = group === 'dice' || group === 'lr' ? s.values : smooth(s.values, state.smoothing);
    s.steps.forEach((st, i) => {
      const v = sm[i];
      col[index.get(st)!] = Number.isFinite(v) && (!state.logY || v > 0) ? v : null;
    });
    data.push(col);
    series.push({
      label: `${c.run.name} · ${c.name}`,
      stroke: colorOf(c.ri),
      dash: DASHES[c.ni % DASHES.length],
      width: 1.75,
      spanGaps: true,
      points: { show: x.length < 3 || s.steps.length < 3, size: 7, fill: colorOf(c.ri) },
    });
  }
  return { data: data as uPlot.AlignedData, series, keys: cols.map((c) => c.key) };
}

function makeChart(group: string, host: HTMLElement): void {
  const { data, series } = groupData(group);
  const opts: uPlot.Options = {
    width: Math.max(280, Math.floor(host.clientWidth || 420)),
    height: 190,
    legend: { show: false },
    plugins: [scaleRangesPlugin()],
    cursor: { drag: { x: true, y: false } },
    scales: { x: stepScale(), y: valueScale(state.logY) },
    axes: [
      { ...axisStyle(), label: 'step', labelSize: 16, incrs: STEP_INCRS },
      { ...axisStyle(), size: 56, values: (_u, splits) => splits.map((v) => (v === null ? '' : fmt(v, 3))) },
    ],
    series,
  };
  charts.set(group, new uPlot(opts, data, host));
}

/** Live points: new data into the existing chart (no rebuild) when its series are unchanged. */
function refreshChart(group: string): boolean {
  const u = charts.get(group);
  if (!u) return false;
  const { data, series } = groupData(group);
  if (series.length !== u.series.length) return false;
  u.setData(data);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
function legend(): HTMLElement {
  return chipsOfRuns(runs, {
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
    h('span', { class: 'spacer' }),
    csv,
    png,
  );
}

/** Raw values (not smoothed), one row per point: run, name, step, value. */
export function toCsv(): string {
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

function latestTable(group: string): HTMLElement {
  const rows: HTMLElement[] = [];
  namesIn(group).forEach((name, ni) => {
    runs.forEach((r, ri) => {
      if (state.hidden.includes(r.runId)) return;
      const s = r.series.get(name);
      if (!s || !s.steps.length) return;
      const i = s.steps.length - 1;
      const sample = h('td', {});
      sample.append(lineSample(colorOf(ri), DASHES[ni % DASHES.length]));
      rows.push(
        h(
          'tr',
          { 'data-name': name, 'data-run': r.runId },
          sample,
          h('td', {}, name),
          h('td', { class: 'dim' }, r.name),
          h('td', { class: 'num', 'data-testid': 'latest' }, fmt(s.values[i], 4)),
          h('td', { class: 'num dim' }, `step ${s.steps[i]}`),
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
