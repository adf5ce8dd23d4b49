/**
 * The Environment panel: shows an EnvReport (`medssl env`) received from the host, answering first
 * "will this use my GPU?", then every backend with its reason, the WebGPU adapter, the CUDA libraries,
 * and the machine.
 *
 * Talks to the host only through src/protocol. Runs outside VS Code too (a plain page fed recorded
 * messages with window.postMessage, for browser tests and screenshots): without acquireVsCodeApi a shim
 * keeps the state in sessionStorage and records what the panel posts in `window.__medsslPosted`.
 */
import type { EnvReport, EnvironmentHostMessage } from '../../src/protocol/webviews/environment';
import { h, type Child } from '../shared/dom';
import { acquireApi } from '../shared/vscodeApi';
import { connectPanel } from '../shared/hostMessages';

interface PanelState {
  report?: EnvReport;
  /** When the report arrived (ms since epoch). */
  receivedAt?: number;
  error?: string;
}

const vscode = acquireApi<PanelState>('environment');

// ---------------------------------------------------------------------------------------------------------

export function formatGiB(mib: number): string {
  return `${(mib / 1024).toFixed(1)} GiB`;
}

function code(text: string): HTMLElement {
  return h('code', {}, text);
}

// ---------------------------------------------------------------------------------------------------------
const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
let state: PanelState = vscode.getState() ?? {};
let busy = false;

function setBusy(b: boolean): void {
  busy = b;
  const button = document.querySelector<HTMLButtonElement>('[data-testid="recheck"]');
  if (button) {
    button.disabled = b;
    button.textContent = b ? 'Checking…' : 'Re-check';
  }
  app.setAttribute('aria-busy', String(b));
}

function header(): HTMLElement {
  const button = h('button', { type: 'button', 'data-testid': 'recheck', title: 'Run medssl env again' }, 'Re-check');
  button.addEventListener('click', () => {
    if (busy) return;
    setBusy(true);
    vscode.postMessage({ type: 'recheck' });
  });
  return h('header', { class: 'top' }, h('h1', {}, 'MedSSL environment'), button);
}

function answerSection(r: EnvReport): HTMLElement {
  // auto takes webgpu only on a hardware adapter, so both mean the GPU.
  const gpu = r.auto.backend === 'tfjs-node-gpu' || r.auto.backend === 'webgpu';
  return h(
    'section',
    { class: `answer ${gpu ? 'yes' : 'no'}`, 'data-testid': 'answer', 'aria-live': 'polite' },
    h('div', { class: 'question' }, 'Will this use my GPU?', h('span', { class: 'badge', 'data-testid': 'gpu-badge' }, gpu ? 'Yes' : 'No')),
    h('p', { class: 'gpu-answer', 'data-testid': 'gpu-answer' }, r.gpuAnswer),
    h(
      'p',
      { class: 'auto', 'data-testid': 'auto-backend' },
      'Jobs started with ',
      code('backend: auto'),
      ' run on ',
      code(r.auto.backend),
      ` — ${r.auto.device}.`,
    ),
    r.auto.warning
      ? h(
          'p',
          { class: 'warning', 'data-testid': 'warning', role: 'alert' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚠'),
          r.auto.warning,
        )
      : null,
  );
}

function backendsSection(r: EnvReport): HTMLElement {
  const rows = r.backends.map((b) =>
    h(
      'tr',
      { 'data-backend': b.name, class: b.available ? 'available' : 'unavailable' },
      h('td', {}, code(b.name), b.name === r.auto.backend ? h('span', { class: 'tag', title: "what 'auto' picks here" }, 'auto') : null),
      h(
        'td',
        { class: 'status', 'data-testid': 'available' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        b.available ? 'available' : 'unavailable',
      ),
      h('td', { class: 'reason', 'data-testid': 'reason' }, b.reason),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Backends'),
    h('p', { class: 'hint' }, 'In the order ', code('auto'), ' tries them.'),
    h(
      'table',
      { 'data-testid': 'backends' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Backend'), h('th', {}, 'Status'), h('th', {}, 'Reason'))),
      h('tbody', {}, ...rows),
    ),
  );
}

function cudaSection(r: EnvReport): HTMLElement {
  const found = r.cuda.libraries.filter((l) => l.foundAt).length;
  const rows = r.cuda.libraries.map((l) =>
    h(
      'tr',
      { 'data-library': l.name, class: l.foundAt ? 'available' : 'unavailable' },
      h('td', {}, l.name),
      h('td', {}, ...l.candidates.flatMap((c, i) => (i ? [', ', code(c)] : [code(c)]))),
      h(
        'td',
        { class: 'status', 'data-testid': 'found' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        l.foundAt ? code(l.foundAt) : 'missing',
      ),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'CUDA'),
    h(
      'p',
      { class: 'hint', 'data-testid': 'cuda-summary' },
      `${found} of ${r.cuda.libraries.length} libraries found. GPUs: ${r.cuda.gpus.length ? r.cuda.gpus.join('; ') : 'none visible'}.`,
      r.cuda.nvidiaSmi ? ` nvidia-smi: ${r.cuda.nvidiaSmi}.` : '',
    ),
    h(
      'table',
      { 'data-testid': 'cuda' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Library'), h('th', {}, 'Looked for'), h('th', {}, 'Found at'))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** The WebGPU adapter (any vendor's GPU through Dawn): what it is, software or hardware, the limits that bound a batch. */
function webgpuSection(r: EnvReport): HTMLElement | null {
  const w = r.webgpu;
  if (!w) return null; // a report from a version without WebGPU
  const a = w.adapter;
  if (!a)
    return h(
      'section',
      {},
      h('h2', {}, 'WebGPU'),
      h('p', { class: 'hint', 'data-testid': 'webgpu' }, `No adapter: ${w.reason ?? 'not probed'}.`),
    );
  const item = (label: string, value: string): Node[] => [h('dt', {}, label), h('dd', {}, value || '(not reported)')];
  const mib = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${Math.round(b / 2 ** 20)} MiB`);
  return h(
    'section',
    {},
    h('h2', {}, 'WebGPU'),
    h(
      'p',
      { class: a.software ? 'hint warn' : 'hint', 'data-testid': 'webgpu-kind' },
      a.software ? `Software adapter: ${a.softwareReason}. Never chosen by auto; backend: webgpu uses it.` : 'Hardware adapter.',
    ),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'webgpu' },
      ...item('Device', a.device),
      ...item('Vendor', [a.vendor, a.architecture].filter(Boolean).join(' · ')),
      ...item('Driver', a.description),
      ...item('Dawn backend', `${a.dawnBackend} (${a.featureLevel})`),
      ...item(
        'Limits',
        `buffer ${mib(a.limits.maxBufferSize)} · storage binding ${mib(a.limits.maxStorageBufferBindingSize)} · ${a.limits.maxStorageBuffersPerShaderStage} storage buffers per stage`,
      ),
    ),
  );
}

function machineSection(r: EnvReport): HTMLElement {
  const item = (label: string, testid: string, ...value: Child[]): Node[] => [
    h('dt', {}, label),
    h('dd', { 'data-testid': testid }, ...value),
  ];
  const p = r.platform;
  return h(
    'section',
    {},
    h('h2', {}, 'Machine'),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'machine' },
      ...item(
        'Node',
        'node',
        `${r.node.version.startsWith('v') ? '' : 'v'}${r.node.version} `,
        h('span', { class: 'dim' }, r.node.execPath),
        r.node.electronAsNode ? h('span', { class: 'tag' }, "VS Code's runtime") : null,
      ),
      ...item('System', 'system', `${p.os}, ${p.arch}`),
      ...item('CPU', 'cpu', `${p.cpus} × ${p.cpuModel}`),
      ...item(
        'Threads',
        'threads',
        `${r.threads.cores} cores · WebAssembly threads usable: ${r.threads.wasmThreadsUsable} · worker threads: ${r.threads.workerThreads}`,
      ),
      ...item('Memory', 'memory', `${formatGiB(p.totalMemMiB)} total, ${formatGiB(p.freeMemMiB)} free`),
      ...item('WebAssembly', 'wasm', `SIMD ${r.wasm.simd ? 'yes' : 'no'} · heap limit ${r.wasm.heapLimitMiB} MiB`),
    ),
  );
}

function render(): void {
  const children: Node[] = [header()];
  if (state.error) children.push(h('p', { class: 'error', 'data-testid': 'error', role: 'alert' }, state.error));
  const r = state.report;
  if (r) {
    const gpu = webgpuSection(r);
    children.push(answerSection(r), backendsSection(r), ...(gpu ? [gpu] : []), cudaSection(r), machineSection(r));
    if (state.receivedAt)
      children.push(
        h(
          'footer',
          { class: 'dim', 'data-testid': 'checked', 'data-checked-at': String(state.receivedAt) },
          `Checked ${new Date(state.receivedAt).toLocaleString()}.`,
        ),
      );
  } else if (!state.error) {
    children.push(h('p', { class: 'placeholder', 'data-testid': 'placeholder' }, 'Checking the environment…'));
  }
  app.replaceChildren(...children);
  setBusy(busy);
}

/** Every message changes what is shown and what is kept for a restore. */
function apply(change: () => void): void {
  change();
  vscode.setState(state);
  render();
}

connectPanel<EnvironmentHostMessage, PanelState>(
  vscode,
  {
    env: (m) =>
      apply(() => {
        state = { report: m.report, receivedAt: Date.now() };
        busy = false;
      }),
    envError: (m) =>
      apply(() => {
        state = { ...state, error: m.message };
        busy = false;
      }),
    busy: () => apply(() => (busy = true)),
  },
  render,
);
