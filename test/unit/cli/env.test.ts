import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { EnvReport } from '../../../src/core/backend/types';

// The built worker, as the extension and a terminal user run it (npm test builds it first).
const cli = path.resolve(__dirname, '../../../../dist/cli.js');

test('medssl env --json reports every backend, the auto choice and the GPU answer on this machine', () => {
  const out = execFileSync(process.execPath, [cli, 'env', '--json'], { encoding: 'utf8' });
  const r = JSON.parse(out) as EnvReport;
  assert.equal(r.node.version, process.versions.node);
  assert.deepEqual(
    r.backends.map((b) => b.name),
    ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'],
  );
  // No GPU and no Vulkan driver here: Dawn's default backend finds no adapter, and the report says why.
  if (!process.env.MEDSSL_DAWN_BACKEND) assert.match(r.webgpu.reason ?? '', /no WebGPU adapter/);
  const wasm = r.backends.find((b) => b.name === 'wasm');
  assert.equal(wasm?.available, true, wasm?.reason);
  // This machine has no GPU and cannot install the native packages: the report must say so.
  const gpu = r.backends[0];
  assert.equal(gpu.available, false);
  assert.match(gpu.reason, /not installed|failed to load|no CUDA GPU/);
  assert.equal(r.auto.backend, 'wasm');
  assert.match(r.gpuAnswer, /^No: jobs will run on 'wasm'/);
  assert.equal(r.cuda.libraries.length, 8);
  assert.equal(r.wasm.heapLimitMiB, 4096);
});

test('medssl env prints a readable report; unknown commands and flags exit 2 with a message', () => {
  const text = execFileSync(process.execPath, [cli, 'env'], { encoding: 'utf8' });
  assert.match(text, /^Will this use my GPU\? No/);
  assert.match(text, /auto → wasm/);
  const bad = spawnSync(process.execPath, [cli, 'trian'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'trian'/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/); // no stack trace for a person's mistake
  const flag = spawnSync(process.execPath, [cli, 'env', '--jsn'], { encoding: 'utf8' });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--jsn/);
});
