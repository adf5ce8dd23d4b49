import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelTiming } from '../../../src/core/backend/wasm/kernelProfiler';
import { median, medianPhases, profileRows } from '../../../src/core/bench/stepReplica';

const ph = (x: number) => ({ forward_backward: x, exchange: 2 * x, exchange_wait: 0, update: x + 1, readback: 1 });

test('median: middle value, mean of the two middle ones for an even count', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('medianPhases: field-wise median, zeros for no steps', () => {
  assert.deepEqual(medianPhases([ph(1), ph(5), ph(3)]), ph(3));
  assert.deepEqual(medianPhases([]), { forward_backward: 0, exchange: 0, exchange_wait: 0, update: 0, readback: 0 });
});

test('profileRows: per-step time and calls, shares of the total', () => {
  const timings: KernelTiming[] = [
    { kernel: 'Conv2D', totalMs: 30, calls: 6 },
    { kernel: 'Relu', totalMs: 10, calls: 4 },
  ];
  const rows = profileRows(timings, 2);
  assert.deepEqual(rows, [
    { kernel: 'Conv2D', ms_per_step: 15, calls_per_step: 3, share: 0.75 },
    { kernel: 'Relu', ms_per_step: 5, calls_per_step: 2, share: 0.25 },
  ]);
});
