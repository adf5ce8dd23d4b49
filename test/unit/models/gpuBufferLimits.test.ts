import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activationElements, checkGpuBufferLimits } from '../../../src/core/models/memoryEstimate';

const r50 = { depth: 50 as const };

test('GPU buffer limits: a ResNet-50 at 224² fits at batch 64 under 2 GiB buffers, not under the 128 MiB WebGPU default', () => {
  const big = checkGpuBufferLimits(r50, 64, 224, { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 });
  assert.equal(big.ok, true, big.message);
  const small = checkGpuBufferLimits(r50, 64, 224, { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 });
  assert.equal(small.ok, false);
  if (small.ok) return;
  // The binding limit (the smaller one) decides; the named batch really fits and one more does not.
  const perSample = activationElements(r50, 224).largestMap * 4;
  assert.equal(small.maxBatch, Math.floor(2 ** 27 / perSample));
  assert.ok(small.maxBatch * perSample <= 2 ** 27 && (small.maxBatch + 1) * perSample > 2 ** 27);
  assert.equal(small.maxPowerOfTwo, 2 ** Math.floor(Math.log2(small.maxBatch)));
  assert.match(small.message, /per-buffer limit \(maxBufferSize \/ maxStorageBufferBindingSize\)\. Batch size \d+ fits/);
  assert.equal(checkGpuBufferLimits(r50, small.maxBatch, 224, { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }).ok, true);
});

test('GPU buffer limits: not even one sample fits → says to shrink the input, names no batch', () => {
  const r = checkGpuBufferLimits(r50, 4, 224, { maxBufferSize: 2 ** 20, maxStorageBufferBindingSize: 2 ** 20 });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.maxBatch, 0);
  assert.match(r.message, /one sample's largest activation map .* exceeds .* Use a smaller input size/);
});
