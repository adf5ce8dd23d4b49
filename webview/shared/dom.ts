/** Small DOM helpers shared by the panel apps: text only goes through textContent, never innerHTML. */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** `style` goes through the CSSOM: a style attribute is inline style, which the CSP (no 'unsafe-inline') blocks. */
function setAttrs(el: HTMLElement, attrs: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v);
  }
}

/** A custom element (the @vscode-elements controls) with attributes. */
export function ce(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A theme colour (CSS variable on <html>, set by VS Code), with a fallback outside VS Code. */
export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Colours for runs/series: VS Code's chart palette, which every theme (light, dark, high contrast) defines. */
export function seriesColors(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-red', '#f14c4c'),
    themeColor('--vscode-charts-yellow', '#cca700'),
  ];
}

/** A CSS colour at `alpha` opacity, as rgba() (any colour the canvas understands: theme values are hex or rgb()). */
export function translucent(color: string, alpha: number): string {
  const c = document.createElement('canvas').getContext('2d');
  if (!c) return color;
  c.fillStyle = color;
  const v = c.fillStyle; // normalised: #rrggbb, or rgba(r, g, b, a) when the colour has its own alpha
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(v);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgb = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(v);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(Math.max(0, digits - 1));
  return Number(x.toPrecision(digits)).toString();
}

/**
 * Adds the codicon stylesheet the way @vscode-elements' <vscode-icon> wants it (a <link> with id
 * "vscode-codicon-stylesheet"), from media/codicons beside the bundles (inside localResourceRoots).
 */
export function ensureCodicons(): void {
  if (document.getElementById('vscode-codicon-stylesheet')) return;
  const script = document.currentScript as HTMLScriptElement | null;
  const src =
    script?.src ??
    Array.from(document.scripts)
      .map((s) => s.src)
      .find((s) => /\/dist\/webview\//.test(s));
  if (!src) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.id = 'vscode-codicon-stylesheet';
  link.href = new URL('../../media/codicons/codicon.css', src).toString();
  document.head.append(link);
}

/** One chip per run: colour swatch, show/hide checkbox, optional status, and the config values that differ. */
export function runChips(
  runs: ReadonlyArray<{ runId: string; name: string; differs: string[]; status?: string }>,
  o: {
    testid: string;
    hidden: readonly string[];
    color: (i: number) => string;
    showStatus?: boolean;
    onToggle: (runId: string, shown: boolean) => void;
  },
): HTMLElement {
  return h(
    'div',
    { class: 'runs', 'data-testid': o.testid },
    ...runs.map((r, i) => {
      const box = ce('vscode-checkbox', {
        'data-testid': `show-${r.runId}`,
        label: r.name,
        ...(o.hidden.includes(r.runId) ? {} : { checked: '' }),
      });
      box.addEventListener('change', () => o.onToggle(r.runId, (box as HTMLElement & { checked: boolean }).checked));
      return h(
        'div',
        { class: 'run-chip', 'data-run': r.runId },
        h('span', { class: 'swatch', style: `background:${o.color(i)}`, 'aria-hidden': 'true' }),
        box,
        o.showStatus && r.status !== undefined
          ? h('span', { class: `status status-${r.status}`, 'data-testid': `status-${r.runId}` }, r.status)
          : null,
        h('span', { class: 'differs dim', 'data-testid': `differs-${r.runId}` }, r.differs.length ? r.differs.join(' · ') : r.runId),
      );
    }),
  );
}
