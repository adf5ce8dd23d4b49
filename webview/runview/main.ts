/**
 * The side view: the run followed now (selected or running) with its status, the progress of its current
 * stage (pretraining, then evaluation; the finished stages ticked above it) and two small
 * curves (total loss and RankMe; an evaluation run: its loss and mean Dice), appended live.
 */
import uPlot from 'uplot';
import type { CurvesRun } from '../../src/protocol/webviews/curves';
import type { RunProgress, RunViewHostMessage } from '../../src/protocol/webviews/runView';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel } from '../shared/hostMessages';
import { scaleRangesPlugin, STEP_INCRS, stepScale, valueScale } from '../shared/charts';
import { fmt, h, seriesColors, themeColor } from '../shared/dom';
import { smallCurves } from './smallCurves';

interface PanelState {
  runId?: string;
}
const vscode = acquireApi<PanelState>('runview');
let run: { runId: string; name: string; status: string; series: Map<string, { steps: number[]; values: number[] }> } | null | undefined;
let progress: RunProgress | undefined;
let error: string | undefined;
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const charts: uPlot[] = [];

function eta(sec: number): string {
  if (!(sec > 0)) return '—';
  const m = Math.floor(sec / 60);
  return m ? `${m} min ${Math.round(sec % 60)} s` : `${Math.round(sec)} s`;
}

function small(host: HTMLElement, name: string, color: string): void {
  const s = run!.series.get(name);
  if (!s || !s.steps.length) return;
  const fg = themeColor('--vscode-foreground', '#616161');
  const grid = themeColor('--vscode-panel-border', 'rgba(127,127,127,0.25)');
  charts.push(
    new uPlot(
      {
        width: Math.max(160, host.clientWidth || 220),
        height: 90,
        legend: { show: false },
        plugins: [scaleRangesPlugin()],
        cursor: { show: false },
        scales: { x: stepScale(), y: valueScale() },
        axes: [
          { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 22, font: '10px sans-serif', incrs: STEP_INCRS },
          {
            stroke: fg,
            grid: { stroke: grid, width: 1 },
            ticks: { show: false },
            size: 36,
            space: 16,
            font: '10px sans-serif',
            values: (_u, v) => v.map((x) => (x === null ? '' : fmt(x, 2))),
          },
        ],
        series: [{}, { stroke: color, width: 1.5, points: { show: s.steps.length < 3, size: 5, fill: color } }],
      },
      [s.steps, s.values],
      host,
    ),
  );
}

function render(): void {
  for (const c of charts.splice(0)) c.destroy();
  const children: Node[] = [];
  if (error) children.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, error));
  if (run === null || run === undefined) {
    children.push(
      h(
        'p',
        { class: 'placeholder', 'data-testid': 'placeholder' },
        run === null ? 'No run selected. Select a run in Runs, or start one with Train.' : 'Loading…',
      ),
    );
    app.replaceChildren(...children);
    return;
  }
  const p = progress;
  const pct = p && p.totalSteps ? Math.min(100, (100 * p.step) / p.totalSteps) : run.status === 'completed' ? 100 : 0;
  const stage = p?.stage ?? 'progress';
  const stagesDone = p?.stagesDone?.length
    ? h(
        'div',
        { class: 'small dim stages', 'data-testid': 'stages-done' },
        ...p.stagesDone.map((s) => h('span', { class: 'stage-done' }, `✓ ${s}`)),
      )
    : null;
  children.push(
    h(
      'div',
      { class: 'title' },
      h('strong', { 'data-testid': 'name' }, run.name),
      h('span', { class: `status status-${run.status}`, 'data-testid': 'status' }, run.status),
    ),
    h('div', { class: 'dim small', 'data-testid': 'run-id' }, run.runId),
    ...(stagesDone ? [stagesDone] : []),
    h('div', { class: 'small stage', 'data-testid': 'stage' }, stage),
    h('progress', { max: '100', value: String(pct), 'data-testid': 'progress', 'aria-label': `${stage}: ${Math.round(pct)}%` }),
    h(
      'div',
      { class: 'small', 'data-testid': 'progress-text' },
      p
        ? `step ${p.step} of ${p.totalSteps}${p.imagesPerSec > 0 ? ` · ${fmt(p.imagesPerSec, 3)} images/s` : ''}${run.status === 'running' ? ` · ETA ${eta(p.etaSec)}` : ''}`
        : 'no progress yet',
    ),
  );
  const hosts: [HTMLElement, string, string][] = [];
  smallCurves(new Set(run.series.keys()), p, run.status === 'running').forEach((c, i) => {
    const s = run!.series.get(c.name);
    const host = h('div', { class: 'chart', 'data-testid': `small-${i}` });
    children.push(
      h(
        'div',
        { class: 'small-curve' },
        h(
          'div',
          { class: 'small dim' },
          c.title,
          s?.values.length
            ? h('span', { class: 'latest', 'data-testid': `latest-${i}` }, ` ${fmt(s.values[s.values.length - 1], 4)}`)
            : c.name.includes('/dice/')
              ? ' — when the evaluation ends'
              : ' —',
        ),
        host,
      ),
    );
    hosts.push([host, c.name, seriesColors()[i]]);
  });
  app.replaceChildren(...children);
  for (const [host, name, color] of hosts) small(host, name, color);
}

function fromCurves(r: CurvesRun): NonNullable<typeof run> {
  return {
    runId: r.runId,
    name: r.name,
    status: r.status,
    series: new Map(
      r.series.map((s) => [s.name, { steps: Array.from(new Float64Array(s.steps)), values: Array.from(new Float64Array(s.values)) }]),
    ),
  };
}

connectPanel<RunViewHostMessage, PanelState>(
  vscode,
  {
    runView: (m) => {
      run = m.run ? fromCurves(m.run) : null;
      progress = m.progress;
      error = undefined;
      vscode.setState({ runId: run?.runId });
      render();
    },
    runProgress: (m) => {
      if (!run || m.runId !== run.runId) return;
      progress = m.progress;
      render();
    },
    curvesAppend: (m) => {
      if (!run || m.runId !== run.runId) return;
      if (m.status) run.status = m.status;
      for (const pt of m.points) {
        let s = run.series.get(pt.name);
        if (!s) run.series.set(pt.name, (s = { steps: [], values: [] }));
        if (!s.steps.length || pt.step > s.steps[s.steps.length - 1]) {
          s.steps.push(pt.step);
          s.values.push(pt.value);
        }
      }
      render();
    },
    runError: (m) => {
      error = m.message;
      render();
    },
  },
  render,
);
