#!/usr/bin/env node
// `npm test` (after `pretest` = lint and the per-layer type checks, build, tsc): the five layers in order, each one's output streaming through:
//   1. unit         node --test out/test/unit/            (plain Node)
//   2. webgpu       scripts/test-webgpu.mjs               (the WebGPU backend on a Dawn device: Mesa llvmpipe through OpenGL ES without a GPU)
//   3. webview      scripts/test-webview.mjs              (headless Chromium)
//   4. integration  scripts/test-integration.mjs          (code-server + Chromium, mocha in the extension host)
//   5. slurm        scripts/test-slurm.mjs                (a real single-node Slurm on localhost; skipped, with the reason, without slurm-wlm)
// Every layer runs even when an earlier one failed. The last line is exactly `N passed, N failed`
// (`, N skipped` added when some were skipped); the exit code is non-zero when any layer failed.
//   node scripts/test-all.mjs [--only unit,webgpu,webview,integration,slurm]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-test-all-'));
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(process.argv[onlyAt + 1].split(',')) : undefined;

/** Counts from a node:test TAP report: the summary comments at the end (top level, no indentation). */
function tapCounts(file) {
  if (!fs.existsSync(file)) return undefined;
  const tap = fs.readFileSync(file, 'utf8');
  const last = (name) => {
    const all = [...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const pass = last('pass');
  if (pass === undefined) return undefined;
  // Failing leaves: `not ok N - name` lines whose subtests (if any) did not fail themselves; named in the summary.
  const failedNames = [...tap.matchAll(/^(\s*)not ok \d+ - (.*)$/gm)].map((m) => ({ depth: m[1].length, name: m[2] }));
  const leaves = failedNames.filter((f, i) => !(failedNames[i - 1] && failedNames[i - 1].depth > f.depth)).map((f) => f.name);
  return {
    passed: pass,
    failed: (last('fail') ?? 0) + (last('cancelled') ?? 0),
    skipped: (last('skipped') ?? 0) + (last('todo') ?? 0),
    failedNames: leaves,
  };
}

function jsonCounts(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function runLayer(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (e) => {
      console.error(`could not start ${cmd}: ${e.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const unitTap = path.join(tmp, 'unit.tap');
const webgpuTap = path.join(tmp, 'webgpu.tap');
const webviewTap = path.join(tmp, 'webview.tap');
const integrationCounts = path.join(tmp, 'integration.json');
const slurmTap = path.join(tmp, 'slurm.tap');
const layers = [
  {
    name: 'unit',
    run: () =>
      runLayer(process.execPath, [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${unitTap}`,
        'out/test/unit/',
      ]),
    counts: () => tapCounts(unitTap),
  },
  {
    name: 'webgpu',
    run: () => runLayer(process.execPath, ['scripts/test-webgpu.mjs'], { MEDSSL_TAP_FILE: webgpuTap }),
    counts: () => tapCounts(webgpuTap),
  },
  {
    name: 'webview',
    run: () => runLayer(process.execPath, ['scripts/test-webview.mjs'], { MEDSSL_TAP_FILE: webviewTap }),
    counts: () => tapCounts(webviewTap),
  },
  {
    name: 'integration',
    run: () => runLayer(process.execPath, ['scripts/test-integration.mjs'], { MEDSSL_COUNTS_FILE: integrationCounts }),
    counts: () => jsonCounts(integrationCounts),
  },
  {
    name: 'slurm',
    run: () => runLayer(process.execPath, ['scripts/test-slurm.mjs'], { MEDSSL_TAP_FILE: slurmTap }),
    counts: () => tapCounts(slurmTap),
  },
];

const results = [];
for (const layer of layers) {
  if (only && !only.has(layer.name)) continue;
  console.log(`\n━━━ ${layer.name} tests ${'━'.repeat(Math.max(0, 60 - layer.name.length))}`);
  const t0 = Date.now();
  const code = await layer.run();
  const seconds = (Date.now() - t0) / 1000;
  let counts = layer.counts() ?? { passed: 0, failed: 0, skipped: 0 };
  // A layer that failed without a failing test (crashed, did not start, timed out) still counts as a failure.
  if (code !== 0 && counts.failed === 0) counts = { ...counts, failed: 1, crashed: true };
  results.push({ name: layer.name, code, seconds, ...counts, ok: code === 0 && counts.failed === 0 });
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\n━━━ summary ' + '━'.repeat(58));
for (const r of results) {
  console.log(
    `${r.ok ? (r.passed === 0 && r.skipped ? 'SKIP' : 'ok  ') : 'FAIL'} ${r.name.padEnd(12)} ${String(r.passed).padStart(4)} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}` +
      `${r.crashed ? ` (exit ${r.code} without a failing test)` : ''}  ${r.seconds.toFixed(1)}s`,
  );
  // The names come last so that a log cut to its tail still says which tests failed.
  for (const name of r.failedNames ?? []) console.log(`       ✖ ${name}`);
}
const sum = (k) => results.reduce((a, r) => a + (r[k] ?? 0), 0);
const skipped = sum('skipped');
const failedLayer = results.some((r) => !r.ok);
console.log(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failedLayer ? 1 : 0);
