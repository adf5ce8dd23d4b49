import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeanInterval, meanSd, quantileSorted } from '../../../src/core/metrics/bootstrap';

test('mean ± sample sd', () => {
  assert.deepEqual(meanSd([2, 4, 6]), { mean: 4, sd: 2, n: 3 });
  assert.ok(Number.isNaN(meanSd([1])!.sd));
  assert.equal(meanSd([]), null);
  assert.equal(quantileSorted([0, 10], 0.25), 2.5);
});

test('bootstrap interval, known cases: constant differences, two values, and the normal approximation', () => {
  // every resample of a constant has that mean
  const c = bootstrapMeanInterval([0.1, 0.1, 0.1, 0.1])!;
  assert.ok(Math.abs(c.lo - 0.1) < 1e-12 && Math.abs(c.hi - 0.1) < 1e-12, JSON.stringify(c));
  // {0, 1}: resample means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 2.5% and 97.5% points are 0 and 1
  const two = bootstrapMeanInterval([0, 1])!;
  assert.deepEqual([two.lo, two.hi, two.mean], [0, 1, 0.5]);
  // 400 alternating 0/1: mean 0.5, sd 0.5, standard error 0.025; the interval ≈ 0.5 ± 1.96 · 0.025
  const x = Array.from({ length: 400 }, (_, i) => i % 2);
  const r = bootstrapMeanInterval(x, { seed: 3 })!;
  assert.ok(Math.abs(r.lo - (0.5 - 1.96 * 0.025)) < 0.006 && Math.abs(r.hi - (0.5 + 1.96 * 0.025)) < 0.006, JSON.stringify(r));
  // seeded: the same inputs give the same interval
  assert.deepEqual(bootstrapMeanInterval(x, { seed: 3 }), r);
  assert.equal(bootstrapMeanInterval([]), null);
});
