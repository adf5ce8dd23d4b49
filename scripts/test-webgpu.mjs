#!/usr/bin/env node
// The webgpu layer: the engine's WebGPU backend on a real Dawn device. With no GPU (CI), Dawn's OpenGL ES
// backend over Mesa's llvmpipe (libegl-mesa0, libgl1-mesa-dri) is the device; MEDSSL_DAWN_BACKEND picks
// another (vulkan with a Vulkan driver, e.g. lavapipe or a real GPU).
//   node scripts/test-webgpu.mjs [extra node --test arguments]   (run `npm run build` and `npm run compile-tests` first)
// Gradient checks of the training ops against the cpu backend, the smoke pretraining against wasm,
// checkpoints across the two, and the failures (an injected validation error, a batch past the buffer
// limits, no adapter). A software adapter runs ~1-3 GFLOP/s, so everything here is tiny: about 2-4 minutes.
// Without a usable adapter the layer is skipped with the reason, or fails when MEDSSL_REQUIRE_WEBGPU=1 (CI).
// MEDSSL_TAP_FILE: when set, the TAP report goes there too (scripts/test-all.mjs counts it).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tap = process.env.MEDSSL_TAP_FILE;
const log = (s) => console.log(`[webgpu] ${s}`);
const env = { ...process.env, MEDSSL_DAWN_BACKEND: process.env.MEDSSL_DAWN_BACKEND || 'opengles' };
if (env.MEDSSL_DAWN_BACKEND === 'opengles') env.EGL_PLATFORM ||= 'surfaceless';

for (const need of ['dist/cli.js', 'out/test/webgpu/ops.test.js']) {
  if (!fs.existsSync(path.join(ROOT, need))) {
    console.error(`[webgpu] ${need} is missing: run npm run build && npm run compile-tests first`);
    process.exit(1);
  }
}

// The adapter this layer will use, as `medssl env` sees it.
const probe = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'env', '--json'], { cwd: ROOT, env, encoding: 'utf8' });
let adapter;
let why = `medssl env failed: ${(probe.stderr || '').trim().split('\n').pop()}`;
try {
  const report = JSON.parse(probe.stdout);
  adapter = report.webgpu.adapter;
  why = report.webgpu.reason;
} catch {
  /* keeps the reason above */
}
if (!adapter) {
  const reason = `no WebGPU adapter through Dawn backend '${env.MEDSSL_DAWN_BACKEND}': ${why} (Debian: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri)`;
  if (process.env.MEDSSL_REQUIRE_WEBGPU === '1') {
    console.error(`[webgpu] ${reason}`);
    if (tap) fs.writeFileSync(tap, `TAP version 13\nnot ok 1 - webgpu layer: ${reason}\n1..1\n# tests 1\n# pass 0\n# fail 1\n`);
    process.exit(1);
  }
  log(`skipped: ${reason}`);
  if (tap)
    fs.writeFileSync(tap, `TAP version 13\nok 1 - webgpu layer # SKIP ${reason}\n1..1\n# tests 1\n# pass 0\n# fail 0\n# skipped 1\n`);
  process.exit(0);
}
log(
  `adapter: ${adapter.device || adapter.description || 'unnamed'} (${adapter.description}), ${adapter.software ? 'software' : 'hardware'}, Dawn ${adapter.dawnBackend}`,
);

const files = ['ops', 'failures', 'smoke'].map((f) => `out/test/webgpu/${f}.test.js`);
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  ...(tap ? ['--test-reporter=tap', `--test-reporter-destination=${tap}`] : []),
];
const code = await new Promise((resolve) => {
  const child = spawn(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-timeout=900000', ...reporters, ...process.argv.slice(2), ...files],
    { cwd: ROOT, stdio: 'inherit', env },
  );
  child.on('close', (c, s) => resolve(c ?? (s ? 128 : 1)));
});
process.exit(code);
