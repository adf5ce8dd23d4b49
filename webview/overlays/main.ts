/**
 * The Overlays panel: the evaluation's slices (image, ground truth, prediction) with a case picker, a
 * slice slider (mouse wheel, arrow keys), opacity, a per-class colour legend with visibility toggles,
 * fill or outline, ground truth / prediction / difference (false positives and false negatives in two
 * colours), per-class Dice of the case and of the slice, and a jump to the worst slice of a class.
 * Slices arrive once as an ArrayBuffer; drawing one is a pass over W×H bytes into an ImageData.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { OverlaysPayload, OverlaysHostMessage } from '../../src/protocol/webviews/overlays';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel } from '../shared/hostMessages';
import { ensureCodicons, fmt, h } from '../shared/dom';
import { drawOverlaySlice, type OverlayMode } from './draw';
import { classColor, css, FN_COLOR, FP_COLOR } from './palette';

export { CLASS_COLORS, FN_COLOR, FP_COLOR } from './palette';

type Mode = OverlayMode;
interface PanelState {
  caseId?: string;
  z?: number;
  opacity: number;
  mode: Mode;
  outline: boolean;
  hidden: number[];
  dirs?: string[];
}

const vscode = acquireApi<PanelState>('overlays');
ensureCodicons();
let state: PanelState = { opacity: 0.5, mode: 'prediction', outline: false, hidden: [], ...(vscode.getState() ?? {}) };
let ov: OverlaysPayload | undefined;
let bytes: Uint8Array | undefined;
let error: string | undefined;
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

/** A prediction on volumes without labels: no truth plane, no Dice, so the panel shows the prediction alone. */
const hasTruth = (): boolean => ov?.groundTruth !== false;
const shownMode = (): Mode => (hasTruth() ? state.mode : 'prediction');

function save(): void {
  vscode.setState(state);
}

function cases(): string[] {
  return ov ? [...new Set(ov.slices.map((s) => s.caseId))] : [];
}

function slicesOf(caseId: string): number[] {
  return ov ? ov.slices.flatMap((s, i) => (s.caseId === caseId ? [i] : [])) : [];
}

/** Index into ov.slices of the slice shown. */
function current(): number {
  if (!ov) return -1;
  const caseId = state.caseId && cases().includes(state.caseId) ? state.caseId : cases()[0];
  const list = slicesOf(caseId);
  const found = list.find((i) => ov!.slices[i].z === state.z);
  return found ?? list[Math.floor(list.length / 2)];
}

function select(i: number): void {
  if (!ov || i < 0) return;
  const sameCase = view?.isConnected && ov.slices[current()]?.caseId === ov.slices[i].caseId;
  state.caseId = ov.slices[i].caseId;
  state.z = ov.slices[i].z;
  save();
  const t0 = performance.now();
  if (sameCase) showSlice(i);
  else render();
  performance.measure('medssl-overlay-step', { start: t0, end: performance.now() });
}

let pendingPaint = 0;

/** Another slice of the case shown: the labels and Dice change in place, the image is drawn on the next frame (once however many steps came since). */
function showSlice(i: number): void {
  const s = ov!.slices[i];
  const list = slicesOf(s.caseId);
  const slider = app.querySelector<HTMLInputElement>('[data-testid="slice"]');
  if (slider) slider.value = String(list.indexOf(i));
  const label = app.querySelector('[data-testid="slice-label"]');
  if (label) label.textContent = sliceLabel(i);
  app.querySelector('.legend')?.replaceWith(legend(i));
  view!.setAttribute('aria-label', viewLabel(i));
  app.dataset.slice = `${s.caseId}/${s.z}`;
  if (!pendingPaint)
    pendingPaint = requestAnimationFrame(() => {
      pendingPaint = 0;
      paint(current());
    });
}

const sliceLabel = (i: number): string => {
  const list = slicesOf(ov!.slices[i].caseId);
  return `z ${ov!.slices[i].z} (${list.indexOf(i) + 1} of ${list.length} stored)`;
};
const viewLabel = (i: number): string => `Slice z ${ov!.slices[i].z} of ${ov!.slices[i].caseId}`;

function step(delta: number): void {
  const i = current();
  const list = slicesOf(ov!.slices[i].caseId);
  const k = Math.min(list.length - 1, Math.max(0, list.indexOf(i) + delta));
  select(list[k]);
}

/** Draws slice i into a W×H ImageData: grey image, then the labels as chosen (fill or outline, opacity). */
export function drawSlice(ctx: CanvasRenderingContext2D, i: number): void {
  drawOverlaySlice(ctx, ov!, bytes!, i, { ...state, mode: shownMode() });
}

const small = document.createElement('canvas');
let view: HTMLCanvasElement | undefined;

/** Draws slice i on the view (the W×H slice scaled up without smoothing); timed as a User Timing measure. */
function paint(i: number): void {
  if (!view || !ov) return;
  const t0 = performance.now();
  if (small.width !== ov.width || small.height !== ov.height) {
    small.width = ov.width;
    small.height = ov.height;
  }
  drawSlice(small.getContext('2d')!, i);
  const ctx = view.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, view.width, view.height);
  performance.measure('medssl-overlay-paint', { start: t0, end: performance.now() });
}

// ---------------------------------------------------------------------------------------------------------
function controls(i: number): HTMLElement {
  const s = ov!.slices[i];
  const picker = h(
    'select',
    { 'data-testid': 'case', 'aria-label': 'Case' },
    ...cases().map((c) => h('option', { value: c, ...(c === s.caseId ? { selected: '' } : {}) }, c)),
  );
  picker.addEventListener('change', () => {
    state.caseId = picker.value;
    state.z = undefined;
    save();
    render();
  });
  const list = slicesOf(s.caseId);
  const slider = h('input', {
    type: 'range',
    min: '0',
    max: String(list.length - 1),
    step: '1',
    value: String(list.indexOf(i)),
    'data-testid': 'slice',
    'aria-label': 'Slice',
  });
  slider.addEventListener('input', () => select(list[Number(slider.value)]));
  const opacity = h('input', {
    type: 'range',
    min: '0',
    max: '1',
    step: '0.05',
    value: String(state.opacity),
    'data-testid': 'opacity',
    'aria-label': 'Opacity',
  });
  opacity.addEventListener('input', () => {
    state.opacity = Number(opacity.value);
    save();
    paint(current());
  });
  const mode = h(
    'select',
    { 'data-testid': 'mode', 'aria-label': 'Show' },
    ...(
      [
        ['truth', 'Ground truth'],
        ['prediction', 'Prediction'],
        ['difference', 'Difference (FP / FN)'],
      ] as const
    )
      .filter(([v]) => hasTruth() || v === 'prediction')
      .map(([v, t]) => h('option', { value: v, ...(shownMode() === v ? { selected: '' } : {}) }, t)),
  );
  mode.addEventListener('change', () => {
    state.mode = mode.value as Mode;
    save();
    render();
  });
  const outline = h('input', { type: 'checkbox', 'data-testid': 'outline', id: 'outline', ...(state.outline ? { checked: '' } : {}) });
  outline.addEventListener('change', () => {
    state.outline = outline.checked;
    save();
    paint(current());
  });
  return h(
    'div',
    { class: 'controls' },
    h('label', {}, 'Case ', picker),
    h('label', { class: 'grow' }, 'Slice ', slider, h('span', { class: 'num', 'data-testid': 'slice-label' }, sliceLabel(i))),
    h('label', {}, 'Opacity ', opacity),
    h('label', {}, 'Show ', mode),
    h('label', { for: 'outline' }, outline, ' outline'),
  );
}

function legend(i: number): HTMLElement {
  const s = ov!.slices[i];
  const cd = ov!.caseDice.find((c) => c.caseId === s.caseId);
  const rows = ov!.classNames.map((name, c) => {
    if (c === 0) return null;
    const box = h('input', {
      type: 'checkbox',
      'data-testid': `class-${c}`,
      'aria-label': `Show ${name}`,
      ...(state.hidden.includes(c) ? {} : { checked: '' }),
    });
    box.addEventListener('change', () => {
      state.hidden = box.checked ? state.hidden.filter((x) => x !== c) : [...state.hidden, c];
      save();
      paint(current());
    });
    const worst = ov!.worstSlicePerClass[c];
    const jump = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'data-testid': `worst-${c}`,
        title: `Jump to the slice where ${name} has its lowest Dice`,
        ...(worst < 0 ? { disabled: '' } : {}),
      },
      'worst',
    );
    jump.addEventListener('click', () => select(worst));
    const d = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmt(v, 3));
    const cells = [
      h('td', {}, box),
      h('td', {}, h('span', { class: 'swatch', style: `background:${css(classColor(c))}` })),
      h('td', {}, name),
    ];
    // a prediction without ground truth has no Dice to show
    if (!hasTruth()) return h('tr', { 'data-class': String(c) }, ...cells);
    return h(
      'tr',
      { 'data-class': String(c) },
      ...cells,
      h('td', { class: 'num', 'data-testid': `case-dice-${c}` }, d(cd?.perClass[c])),
      h('td', { class: 'num', 'data-testid': `slice-dice-${c}` }, d(s.dice[c])),
      h('td', {}, jump),
    );
  });
  return h(
    'div',
    { class: 'legend' },
    h(
      'table',
      { 'data-testid': 'legend' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}),
          h('th', {}),
          h('th', {}, 'class'),
          ...(hasTruth() ? [h('th', { class: 'num' }, 'Dice case'), h('th', { class: 'num' }, 'Dice slice'), h('th', {})] : []),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
    hasTruth() ? null : h('p', { class: 'small dim', 'data-testid': 'no-truth' }, 'No ground truth: the prediction alone (no Dice).'),
    h(
      'p',
      { class: 'small dim', 'data-testid': 'means', ...(hasTruth() ? {} : { hidden: '' }) },
      `Mean foreground Dice: case ${cd?.meanForeground === null || cd?.meanForeground === undefined ? '—' : fmt(cd.meanForeground, 3)}, slice ${s.meanForeground === null ? '—' : fmt(s.meanForeground, 3)}. — : absent in truth and prediction.`,
    ),
    shownMode() === 'difference'
      ? h(
          'p',
          { class: 'small', 'data-testid': 'diff-key' },
          h('span', { class: 'swatch', style: `background:${css(FP_COLOR)}` }),
          ' false positive   ',
          h('span', { class: 'swatch', style: `background:${css(FN_COLOR)}` }),
          ' false negative',
        )
      : null,
  );
}

function render(): void {
  const children: Node[] = [
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'Segmentation overlays'),
      ov ? h('span', { class: 'dim' }, ` ${ov.run.name} · ${ov.tag}${ov.tag.endsWith('prediction') ? '' : ' evaluation'}`) : null,
    ),
  ];
  if (error) children.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, error));
  if (!ov || !bytes) {
    if (!error) children.push(h('p', { class: 'placeholder', 'data-testid': 'placeholder' }, 'Loading the overlays…'));
    app.replaceChildren(...children);
    return;
  }
  const i = current();
  const size = Math.min(512, Math.max(256, Math.floor(Math.min(window.innerWidth - 380, window.innerHeight - 120) / ov.width) * ov.width));
  view = h('canvas', { width: String(size), height: String(size), 'data-testid': 'view', tabindex: '0', 'aria-label': viewLabel(i) });
  view.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      step(e.deltaY > 0 ? 1 : -1);
    },
    { passive: false },
  );
  children.push(controls(i), h('div', { class: 'main' }, view, legend(i)));
  app.replaceChildren(...children);
  app.dataset.slice = `${ov.slices[i].caseId}/${ov.slices[i].z}`;
  paint(i);
}

window.addEventListener('keydown', (e) => {
  if (!ov || e.target instanceof HTMLSelectElement) return;
  if (e.target instanceof HTMLInputElement && e.target.type === 'range') return; // the slider handles its own arrows
  if (e.key === 'ArrowUp' || e.key === 'ArrowRight') step(1);
  else if (e.key === 'ArrowDown' || e.key === 'ArrowLeft') step(-1);
  else return;
  e.preventDefault();
  document.querySelector<HTMLCanvasElement>('[data-testid="view"]')?.focus();
});

connectPanel<OverlaysHostMessage, PanelState>(
  vscode,
  {
    overlays: (m) => {
      ov = m.overlays;
      bytes = new Uint8Array(m.overlays.data);
      error = undefined;
      if (m.overlays.run.dir) state.dirs = [m.overlays.run.dir];
      save();
      render();
    },
    runError: (m) => {
      error = m.message;
      render();
    },
  },
  render,
);
