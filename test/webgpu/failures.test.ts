/**
 * What goes wrong on a GPU must stop the run with a plain message and leave nothing half-written:
 * a validation error injected into the device (a buffer past its limits, reported by Dawn only through
 * onuncapturederror), a batch past the per-buffer limits, and a machine where Dawn finds no adapter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { configHash, loadConfig } from '../../src/core/config';
import { createRun, readRun } from '../../src/core/runs';
import type { BackendChoice, EnvReport } from '../../src/core/backend/types';
import { stopWebGPU, webgpuFault } from '../../src/core/backend/webgpu/start';
import { pretrain } from '../../src/core/train/pretrain';
import { useWebGPU } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const SMOKE = path.join(ROOT, 'examples/smoke.medssl.yaml');
const CLI = path.join(ROOT, 'dist/cli.js');

async function startRun(overrides: string[]) {
  const started = await useWebGPU();
  const c = (
    await loadConfig(SMOKE, {
      overrides: [
        'backend=webgpu',
        'pretrain.workers=1',
        'pretrain.epochs=1',
        'data.phantom.slices=12',
        'diagnostics.slices=16',
        ...overrides,
      ],
    })
  ).config;
  const backend: BackendChoice = { requested: 'webgpu', backend: 'webgpu', device: `GPU (WebGPU): ${started.adapter.device}`, skipped: [] };
  const writer = createRun(fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-webgpu-')), c, 'pretrain', { backend });
  return { c, writer };
}

function leftovers(dir: string): string[] {
  const ck = path.join(dir, 'checkpoints');
  return fs.existsSync(ck) ? fs.readdirSync(ck).filter((n) => n.startsWith('.')) : [];
}

test('an injected validation error fails the run with a plain message: run.json failed, no partial checkpoint', async () => {
  const { c, writer } = await startRun(['pretrain.batchSize=8', 'data.size=32', 'ssl.queueSize=16', 'pretrain.checkpointEvery=2']);
  let injected = false;
  const run = pretrain(c, {
    writer,
    configHash: configHash(c),
    onStep: (step) => {
      if (step !== 4) return;
      // After step 4's numbers and before its checkpoint: a buffer past maxBufferSize, which Dawn
      // rejects without throwing. The checkpoint's first read must fail, and its folder go away.
      const device = (tf.backend() as WebGPUBackend).device;
      device.createBuffer({ size: device.limits.maxBufferSize + 256, usage: GPUBufferUsage.STORAGE });
      injected = true;
    },
  });
  await assert.rejects(
    run,
    /^Error: WebGPU: the GPU rejected work of this step \(GPUValidationError: Buffer size .* exceeds the max buffer size limit/,
  );
  assert.ok(injected);
  assert.match(webgpuFault() ?? '', /GPUValidationError/);
  const r = readRun(writer.dir);
  assert.equal(r.status, 'failed');
  assert.match(r.error?.message ?? '', /^WebGPU: the GPU rejected work/);
  assert.deepEqual(fs.readdirSync(path.join(writer.dir, 'checkpoints')).sort(), ['2', 'latest'], 'only the complete checkpoint of step 2');
  assert.equal(fs.readFileSync(path.join(writer.dir, 'checkpoints', 'latest'), 'utf8').trim(), '2');
  assert.deepEqual(leftovers(writer.dir), []);
  // A fresh device starts clean.
  stopWebGPU();
  assert.equal(webgpuFault(), undefined);
});

test('an out-of-memory error reported by the device fails the run asking for a smaller batch; its checkpoint is not half-written', async () => {
  const { c, writer } = await startRun(['pretrain.batchSize=8', 'data.size=32', 'ssl.queueSize=16', 'pretrain.checkpointEvery=2']);
  const run = pretrain(c, {
    writer,
    configHash: configHash(c),
    onStep: (step) => {
      if (step !== 2) return;
      // A software adapter on a 24 GiB machine cannot be driven out of memory in a test: the device
      // delivers the error Dawn raises when an allocation fails, through the same event.
      const device = (tf.backend() as WebGPUBackend).device;
      device.dispatchEvent(
        new GPUUncapturedErrorEvent('uncapturederror', { error: new GPUOutOfMemoryError('Out of memory allocating a storage buffer') }),
      );
    },
  });
  await assert.rejects(
    run,
    /^Error: WebGPU: the GPU ran out of memory \(Out of memory allocating a storage buffer\)\. Lower pretrain\.batchSize/,
  );
  assert.equal(readRun(writer.dir).status, 'failed');
  // The step-2 checkpoint was being written when its first read failed: no folder, no 'latest'.
  assert.deepEqual(fs.readdirSync(path.join(writer.dir, 'checkpoints')), []);
  stopWebGPU();
});

test("a batch past the device's per-buffer limits is refused before the first step, naming one that fits", async () => {
  // 8 channels × 256² floats = 2 MiB per sample at the stem: batch 128 needs a 256 MiB buffer.
  const { c, writer } = await startRun(['pretrain.batchSize=128', 'data.size=256', 'data.phantom.slices=24', 'ssl.queueSize=256']);
  const limit = Math.min(
    (tf.backend() as WebGPUBackend).device.limits.maxStorageBufferBindingSize,
    (tf.backend() as WebGPUBackend).device.limits.maxBufferSize,
  );
  const fits = Math.floor(limit / (8 * 256 * 256 * 4));
  assert.ok(fits < 128, `this device binds ${limit} bytes: batch 128 would fit and the test proves nothing`);
  let steps = 0;
  await assert.rejects(pretrain(c, { writer, configHash: configHash(c), onStep: () => steps++ }), (e: Error) => {
    assert.match(
      e.message,
      /^pretrain\.batchSize: a training step of ResNet-18 .* at batch 128, 256×256 needs a GPU buffer of about 256 MiB/,
    );
    assert.match(e.message, new RegExp(`the largest batch that fits is ${fits}\\)`));
    return true;
  });
  assert.equal(steps, 0);
  assert.equal(readRun(writer.dir).status, 'failed');
  assert.equal(fs.existsSync(path.join(writer.dir, 'checkpoints')), false, 'nothing written');
});

function env(dawnBackend: string): EnvReport {
  const p = spawnSync(process.execPath, [CLI, 'env', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, MEDSSL_DAWN_BACKEND: dawnBackend },
  });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout) as EnvReport;
}

test('no adapter: auto says why webgpu was skipped; a software adapter is listed but never chosen by auto', () => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js: run npm run build first');
  // A Dawn backend this OS does not have: no adapter at all.
  const none = env(process.platform === 'darwin' ? 'd3d12' : 'metal');
  const skipped = none.auto.skipped.find((s) => s.name === 'webgpu');
  assert.match(skipped?.reason ?? '', /^no WebGPU adapter through Dawn backend '(metal|d3d12)'/);
  assert.match(none.webgpu.reason ?? '', /no WebGPU adapter/);
  assert.match(none.auto.warning ?? '', /webgpu: no WebGPU adapter/);
  assert.notEqual(none.auto.backend, 'webgpu');
  // The layer's own adapter (software here): described, refused by auto with the reason.
  const own = env(process.env.MEDSSL_DAWN_BACKEND ?? 'opengles');
  if (own.webgpu.adapter?.software) {
    assert.notEqual(own.auto.backend, 'webgpu');
    assert.match(own.auto.skipped.find((s) => s.name === 'webgpu')?.reason ?? '', /only a software WebGPU adapter/);
    assert.match(own.gpuAnswer, /^No: .*the only WebGPU adapter is a software one/);
    assert.equal(own.backends.find((b) => b.name === 'webgpu')?.available, true);
  }
  assert.ok(own.webgpu.adapter, own.webgpu.reason);
  assert.ok(own.webgpu.adapter.limits.maxStorageBuffersPerShaderStage >= 8);
});
