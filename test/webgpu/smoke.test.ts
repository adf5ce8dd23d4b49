/**
 * The smoke pretraining (examples/smoke.medssl.yaml, shrunk to 10 steps of 8 slices at 32²: a software
 * adapter runs ~1-3 GFLOP/s) on webgpu against wasm: the same first 10 losses, a constant tensor count,
 * and checkpoints that resume across the two backends with the same next loss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { configHash, loadConfig } from '../../src/core/config';
import type { ExperimentConfig } from '../../src/core/config/types';
import { pretrain } from '../../src/core/train/pretrain';
import { TestWriter } from '../unit/train/helpers';
import { useWasm, useWebGPU } from './helpers';

const SMOKE = path.resolve(__dirname, '../../../examples/smoke.medssl.yaml');
// 7 training cases × 12 slices / batch 8 = 10 steps in one epoch; one worker on both backends (two
// wasm workers would normalise each half-batch's keys on its own, which changes the numbers).
const SMALL = [
  'pretrain.workers=1',
  'pretrain.epochs=1',
  'pretrain.batchSize=8',
  'pretrain.checkpointEvery=5',
  'data.size=32',
  'data.phantom.slices=12',
  'ssl.queueSize=16',
  'diagnostics.slices=16',
];

async function smokeConfig(backend: 'webgpu' | 'wasm'): Promise<ExperimentConfig> {
  return (await loadConfig(SMOKE, { overrides: [`backend=${backend}`, ...SMALL] })).config;
}

async function use(backend: 'webgpu' | 'wasm'): Promise<void> {
  if (backend === 'webgpu') await useWebGPU();
  else await useWasm();
}

interface Trace {
  losses: number[];
  tensors: number[];
  dir: string;
}

async function train(backend: 'webgpu' | 'wasm', o: { stopAfterStep?: number; resumeDir?: string } = {}): Promise<Trace> {
  await use(backend);
  const c = await smokeConfig(backend);
  const w = o.resumeDir ? new TestWriter(o.resumeDir) : TestWriter.temp();
  const losses: number[] = [];
  const tensors: number[] = [];
  const r = await pretrain(c, {
    writer: w,
    configHash: configHash(c),
    stopAfterStep: o.stopAfterStep,
    resume: Boolean(o.resumeDir),
    onStep: (_step, s) => {
      losses.push(s.total);
      tensors.push(tf.memory().numTensors);
    },
  });
  assert.notEqual(w.run.status, 'failed', JSON.stringify(w.run.error));
  assert.equal(r.status, o.stopAfterStep && o.stopAfterStep < 10 ? 'stopped' : 'completed');
  return { losses, tensors, dir: w.dir };
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

let gpu: Trace;
let cpu: Trace;

test('smoke pretraining on webgpu: the first 10 losses match wasm within 1e-3 relative; tensor count constant', async (t) => {
  const t0 = Date.now();
  gpu = await train('webgpu');
  const gpuSec = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  cpu = await train('wasm');
  t.diagnostic(
    `10 steps: webgpu ${gpuSec.toFixed(1)} s, wasm ${((Date.now() - t1) / 1000).toFixed(1)} s (this machine's software adapter is a correctness path, not a speed one)`,
  );
  assert.equal(gpu.losses.length, 10);
  assert.equal(cpu.losses.length, 10);
  const errs = gpu.losses.map((l, i) => rel(l, cpu.losses[i]));
  t.diagnostic(`losses webgpu ${gpu.losses.map((x) => x.toFixed(5)).join(' ')}`);
  t.diagnostic(`losses wasm   ${cpu.losses.map((x) => x.toFixed(5)).join(' ')}`);
  t.diagnostic(`largest relative difference ${Math.max(...errs).toExponential(2)}`);
  for (const [i, e] of errs.entries())
    assert.ok(e < 1e-3, `step ${i + 1}: webgpu ${gpu.losses[i]} vs wasm ${cpu.losses[i]} (relative ${e})`);
  // From the second step on (the first compiles and caches), every step ends with the same tensors.
  assert.ok(
    gpu.tensors.slice(1).every((n) => n === gpu.tensors[1]),
    `webgpu tensor counts ${gpu.tensors.join(' ')}`,
  );
});

test('a checkpoint written on webgpu resumes on wasm, and one written on wasm resumes on webgpu, with the same next loss', async (t) => {
  assert.ok(gpu && cpu, 'needs the previous test');
  const a = await train('webgpu', { stopAfterStep: 5 });
  assert.deepEqual(a.losses, gpu.losses.slice(0, 5), 'the interrupted webgpu run repeats the uninterrupted one exactly');
  const onWasm = await train('wasm', { resumeDir: a.dir, stopAfterStep: 6 });
  const b = await train('wasm', { stopAfterStep: 5 });
  const onGpu = await train('webgpu', { resumeDir: b.dir, stopAfterStep: 6 });
  t.diagnostic(
    `step 6: webgpu→wasm ${onWasm.losses[0]}, wasm→webgpu ${onGpu.losses[0]}, uninterrupted webgpu ${gpu.losses[5]}, wasm ${cpu.losses[5]}`,
  );
  assert.equal(onWasm.losses.length, 1);
  assert.equal(onGpu.losses.length, 1);
  assert.ok(rel(onWasm.losses[0], cpu.losses[5]) < 1e-3, `webgpu checkpoint on wasm: ${onWasm.losses[0]} vs ${cpu.losses[5]}`);
  assert.ok(rel(onGpu.losses[0], gpu.losses[5]) < 1e-3, `wasm checkpoint on webgpu: ${onGpu.losses[0]} vs ${gpu.losses[5]}`);
});
