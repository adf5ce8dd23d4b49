// Renders a panel app (dist/webview/<panel>.js) in headless Chromium the way VS Code shows it: the same
// HTML shell and Content Security Policy as the host (out/src/extension/panels/webviewHtml.js), a fake
// acquireVsCodeApi that records what the panel posts and keeps its state, VS Code's theme variables.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
const require = createRequire(import.meta.url);
const { webviewHtml, makeNonce } = require(path.join(ROOT, 'out', 'src', 'extension', 'panels', 'webviewHtml.js'));

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** VS Code's fonts on Linux (the same in every theme). */
const FONTS = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
};

/** VS Code's chart palette of the dark themes (Dark Modern and High Contrast share it). */
const DARK_CHARTS = {
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
};

/** The variables VS Code puts on <html> for its default themes (Light Modern, Dark Modern), the ones panels use. */
export const THEMES = {
  light: {
    bodyClass: 'vscode-light',
    colorScheme: 'light',
    vars: {
      ...FONTS,
      '--vscode-foreground': '#3b3b3b',
      '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-textCodeBlock-background': '#f8f8f8',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-border': '#0000001a',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-errorForeground': '#f85149',
      '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-inputValidation-warningBackground': '#f6f5d2',
      '--vscode-inputValidation-warningBorder': '#b89500',
      '--vscode-testing-iconPassed': '#388a34',
      '--vscode-testing-iconFailed': '#f14c4c',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-settings-checkboxBackground': '#f8f8f8',
      '--vscode-settings-checkboxBorder': '#cecece',
      '--vscode-settings-checkboxForeground': '#3b3b3b',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-settings-dropdownBackground': '#ffffff',
      '--vscode-settings-dropdownForeground': '#3b3b3b',
      '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-settings-dropdownListBorder': '#e5e5e5',
      '--vscode-list-activeSelectionBackground': '#0060c0',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-list-focusOutline': '#005fb8',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    colorScheme: 'dark',
    vars: {
      ...FONTS,
      '--vscode-foreground': '#cccccc',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-widget-border': '#313131',
      '--vscode-textCodeBlock-background': '#2b2b2b',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-border': '#ffffff12',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-errorForeground': '#f85149',
      '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-inputValidation-warningBackground': '#352a05',
      '--vscode-inputValidation-warningBorder': '#b89500',
      '--vscode-testing-iconPassed': '#73c991',
      '--vscode-testing-iconFailed': '#f14c4c',
      '--vscode-list-hoverBackground': '#2a2d2e',
      ...DARK_CHARTS,
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-settings-checkboxBackground': '#313131',
      '--vscode-settings-checkboxBorder': '#3c3c3c',
      '--vscode-settings-checkboxForeground': '#cccccc',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-settings-dropdownBackground': '#313131',
      '--vscode-settings-dropdownForeground': '#cccccc',
      '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-settings-dropdownListBorder': '#454545',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-list-focusOutline': '#0078d4',
    },
  },
  /** Default High Contrast (dark): black background, white text, cyan/orange borders. */
  hc: {
    bodyClass: 'vscode-high-contrast',
    colorScheme: 'dark',
    vars: {
      ...FONTS,
      '--vscode-foreground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-widget-border': '#6fc3df',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-focusBorder': '#f38518',
      '--vscode-errorForeground': '#f48771',
      '--vscode-editorWarning-foreground': '#ffd370',
      '--vscode-testing-iconPassed': '#73c991',
      '--vscode-testing-iconFailed': '#f14c4c',
      ...DARK_CHARTS,
      '--vscode-settings-checkboxBackground': '#000000',
      '--vscode-settings-checkboxBorder': '#6fc3df',
      '--vscode-settings-checkboxForeground': '#ffffff',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-settings-dropdownBackground': '#000000',
      '--vscode-settings-dropdownForeground': '#ffffff',
      '--vscode-settings-dropdownBorder': '#6fc3df',
      '--vscode-settings-dropdownListBorder': '#6fc3df',
      '--vscode-list-focusOutline': '#f38518',
    },
  },
};

const TYPES = {
  '.ttf': 'font/ttf',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves only dist/webview and media (the panel's localResourceRoots) and the page at /<panel>.html. */
export async function startServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const page = /^\/(\w+)\.html$/.exec(url.pathname);
    if (page) {
      const origin = `http://${req.headers.host}`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        webviewHtml({
          title: `MedSSL: ${page[1]}`,
          cspSource: origin,
          nonce: makeNonce(),
          scriptUri: `${origin}/dist/webview/${page[1]}.js`,
          styleUris: [`${origin}/media/${page[1]}.css`],
          placeholder: 'Loading…',
        }),
      );
      return;
    }
    const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
    if (!(rel.startsWith('dist/webview/') || rel.startsWith('media/'))) {
      res.writeHead(404).end();
      return;
    }
    const file = path.join(ROOT, rel);
    fs.readFile(file, (err, data) => {
      if (err) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens <panel>.html. `vscodeApi: false` leaves acquireVsCodeApi undefined (the panel's own shim runs);
 * `state` is what getState() returns at start (a panel restored after being hidden).
 */
export async function openPanel(browser, origin, panel, { theme = 'light', vscodeApi = true, state, width = 900, height = 700 } = {}) {
  const t = THEMES[theme];
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: t.colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.addInitScript(
    ({ vscodeApi, state, t }) => {
      window.__posted = [];
      window.__state = state;
      if (vscodeApi) {
        let acquired = false;
        window.acquireVsCodeApi = () => {
          if (acquired) throw new Error('acquireVsCodeApi called twice (VS Code throws too)');
          acquired = true;
          return {
            postMessage: (m) =>
              window.__posted.push(
                JSON.parse(
                  JSON.stringify(m, (k, v) =>
                    v instanceof ArrayBuffer ? { arrayBuffer: v.byteLength, head: Array.from(new Uint8Array(v.slice(0, 8))) } : v,
                  ),
                ),
              ),
            getState: () => window.__state,
            setState: (s) => (window.__state = JSON.parse(JSON.stringify(s))),
          };
        };
      }
      // What VS Code does to every webview document: theme variables on <html>, theme class on <body>.
      const apply = () => {
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
        document.body?.classList.add(t.bodyClass);
      };
      document.addEventListener('DOMContentLoaded', apply);
      if (document.documentElement) for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
    },
    { vscodeApi, state, t },
  );
  await page.goto(`${origin}/${panel}.html`);
  await page.waitForLoadState('load');
  return { page, context, problems };
}

/** A message from the host, as VS Code delivers it (a window 'message' event). */
export function postToPanel(page, message) {
  return page.evaluate((m) => window.postMessage(m, '*'), message);
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * One test file's browser and page server for a panel: checks the panel was built, starts both before the
 * file's tests and closes them after. `suite.open(opts)` opens the panel (openPanel's options).
 */
export function usePanelSuite(panel) {
  const suite = { browser: undefined, origin: undefined, open: (opts = {}) => openPanel(suite.browser, suite.origin, panel, opts) };
  let server;
  before(async () => {
    for (const f of [`dist/webview/${panel}.js`, `media/${panel}.css`])
      assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} missing: npm run build`);
    ({ server, origin: suite.origin } = await startServer());
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    server?.close();
  });
  return suite;
}

/**
 * One test per theme (light, dark, high contrast): `open({ theme })` shows the panel, the page is saved as
 * test-results/screenshots/<name>-<theme>.png, and nothing went wrong on the way (CSP, console, requests).
 */
export function screenshotEveryTheme(name, open) {
  for (const theme of Object.keys(THEMES)) {
    it(`screenshot ${name}-${theme}`, async () => {
      const { page, context, problems } = await open({ theme });
      await page.waitForTimeout(200);
      await screenshot(page, `${name}-${theme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
