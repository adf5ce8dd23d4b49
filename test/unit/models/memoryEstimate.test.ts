import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { measureTrainingStepMemory } from '../../../src/core/models/memoryProbe';
import {
  activationElements,
  DEFAULT_SAFETY_FACTOR,
  checkBatchFits,
  estimateTrainingStepBytes,
  WASM_HEAP_LIMIT_BYTES,
} from '../../../src/core/models/memoryEstimate';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { useCpu } from './helpers';

const BENCH = { depth: 18 as const, widths: [32, 64, 128, 256] as [number, number, number, number] };

test('memory estimate: parameter count agrees with the built model', async () => {
  await useCpu();
  for (const cfg of [
    { depth: 18 as const, widths: [4, 8, 8, 16] as [number, number, number, number] },
    { depth: 34 as const, widths: [4, 8, 8, 16] as [number, number, number, number], repeatToThreeChannels: true },
    { depth: 50 as const, widths: [2, 4, 8, 16] as [number, number, number, number], stem: 'small' as const },
  ]) {
    const enc = new ResNetEncoder(cfg);
    assert.equal(activationElements(cfg, 32).params, enc.numParameters(), `depth ${cfg.depth}`);
    enc.dispose();
  }
});

test('memory estimate: linear in batch, grows with input size', () => {
  const a = estimateTrainingStepBytes(BENCH, 16, 128);
  const b = estimateTrainingStepBytes(BENCH, 32, 128);
  const c = estimateTrainingStepBytes(BENCH, 16, 256);
  assert.ok(Math.abs(b.totalBytes - a.totalBytes - 16 * a.perSampleBytes) < 1);
  assert.ok(Math.abs(c.perSampleBytes / a.perSampleBytes - 4) < 0.05);
  // The measured wasm heap at batch 64, 128² was 1134 MiB: the estimate must cover it, without being absurd.
  const e64 = estimateTrainingStepBytes(BENCH, 64, 128).totalBytes / 2 ** 20;
  assert.ok(e64 > 1134 && e64 < 2 * 1134, `estimate ${e64} MiB`);
});

test('checkBatchFits: refuses a too-large batch and names a batch size that fits', () => {
  const ok = checkBatchFits(BENCH, 64, 128);
  assert.equal(ok.ok, true);
  const bad = checkBatchFits(BENCH, 1024, 128);
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.ok(bad.maxBatch >= 64 && bad.maxBatch < 1024);
  assert.equal(bad.maxPowerOfTwo, 2 ** Math.floor(Math.log2(bad.maxBatch)));
  assert.match(bad.message, new RegExp(`Batch size ${bad.maxPowerOfTwo} fits`));
  assert.match(bad.message, new RegExp(`largest batch that fits is ${bad.maxBatch}\\b`));
  assert.match(bad.message, /ResNet-18 \(32-64-128-256\) at batch 1024, 128×128/);
  assert.match(bad.message, /4\.00 GiB/);
  assert.equal(checkBatchFits(BENCH, bad.maxBatch, 128).ok, true);
  assert.equal(checkBatchFits(BENCH, bad.maxPowerOfTwo, 128).ok, true);
  assert.equal(checkBatchFits(BENCH, bad.maxBatch + 1, 128).ok, false);
  // Two data-parallel workers: each has its own heap and half the batch.
  const two = checkBatchFits(BENCH, 1024, 128, WASM_HEAP_LIMIT_BYTES, { workers: 2 });
  assert.equal(two.estimate.batchPerWorker, 512);
  if (!two.ok) {
    assert.equal(two.maxBatch, 2 * bad.maxBatch);
    assert.match(two.message, /512 per worker, 2 workers/);
    assert.equal(checkBatchFits(BENCH, two.maxBatch, 128, WASM_HEAP_LIMIT_BYTES, { workers: 2 }).ok, true);
  }
  // Not even batch 1.
  const none = checkBatchFits({ depth: 50 }, 8, 512, 64 * 2 ** 20);
  assert.equal(none.ok, false);
  if (!none.ok) {
    assert.equal(none.maxBatch, 0);
    assert.match(none.message, /even at batch size 1/);
  }
  assert.equal(WASM_HEAP_LIMIT_BYTES, 4 * 2 ** 30);
  assert.throws(() => checkBatchFits(BENCH, 0, 128), /batch size 0/);
});

test('memory estimate covers the measured peak of a training step on the cpu backend', async () => {
  await useCpu();
  const cfg = { depth: 50 as const, widths: [4, 8, 16, 32] as [number, number, number, number], stem: 'small' as const };
  const n0 = tf.memory().numTensors;
  const r = await measureTrainingStepMemory(cfg, 2, 16, { overheadBytes: 0 });
  assert.equal(tf.memory().numTensors, n0, 'the probe cleans up');
  assert.equal(r.backend, 'cpu');
  assert.equal(r.wasmHeapBytes, null);
  const measured = r.tensorPeakBytes;
  assert.ok(r.estimate.totalBytes >= measured, `estimate ${r.estimate.totalBytes} < measured peak ${measured}`);
  assert.ok(r.estimate.totalBytes < 3 * measured, `estimate ${r.estimate.totalBytes} far above measured ${measured}`);
  assert.ok(r.neededFactor > 0.5 && r.neededFactor < DEFAULT_SAFETY_FACTOR, `needed factor ${r.neededFactor}`);
  console.log(
    `cpu, R-50 4-8-16-32 small stem, batch 2, 16²: peak ${(measured / 2 ** 20).toFixed(2)} MiB, estimate ${(r.estimate.totalBytes / 2 ** 20).toFixed(2)} MiB, needed factor ${r.neededFactor.toFixed(2)}`,
  );
});
