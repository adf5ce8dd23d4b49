#!/usr/bin/env node
// Webview tests: each panel app (dist/webview/<panel>.js) in headless Chromium (Debian's, driven by
// playwright-core), fed recorded messages; DOM assertions and screenshots in test-results/screenshots/.
// Runs test/webview/*.test.mjs with node:test. Needs `npm run build && npm run compile-tests` first.
//   node scripts/test-webview.mjs [extra node --test flags]
// MEDSSL_TAP_FILE: also write a TAP report there (scripts/test-all.mjs counts from it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(ROOT, 'test', 'webview');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
for (const f of ['out/src/extension/panels/webviewHtml.js', 'dist/webview']) {
  if (!fs.existsSync(path.join(ROOT, f))) {
    console.error(`[webview] ${f} is missing: run 'npm run build && npm run compile-tests' first (npm test does).`);
    process.exit(1);
  }
}
if (!fs.existsSync(chromium)) {
  console.error(`[webview] ${chromium} not found: apt-get install chromium (never 'npx playwright install')`);
  process.exit(1);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join(dir, f));
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (process.env.MEDSSL_TAP_FILE) reporters.push('--test-reporter=tap', `--test-reporter-destination=${process.env.MEDSSL_TAP_FILE}`);
fs.mkdirSync(path.join(ROOT, 'test-results', 'screenshots'), { recursive: true });
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...reporters, ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  cwd: ROOT,
});
process.exit(r.status ?? 1);
