import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { decadeOf, flatRange, stepRange } from '../../../webview/shared/chartRange';

test('several steps: their extent', () => {
  assert.deepEqual(stepRange([1, 5, 20]), [1, 20]);
  assert.deepEqual(stepRange([null, 3, 7, null]), [3, 7]);
});

test('a single step gets a span around it that keeps the point inside and never starts below 0', () => {
  assert.deepEqual(stepRange([180]), [130, 230]);
  assert.deepEqual(stepRange([180, 180]), [130, 230]);
  assert.deepEqual(stepRange([10]), [5, 15]);
  assert.deepEqual(stepRange([1]), [0, 2]);
  assert.deepEqual(stepRange([0]), [0, 2]);
  for (const v of [0, 1, 2, 7, 10, 99, 180, 1234, 50000]) {
    const [lo, hi] = stepRange([v])!;
    assert.ok(lo < v || (v === 0 && lo === 0), `${v}: ${lo}`);
    assert.ok(hi > v, `${v}: ${hi}`);
    assert.ok(lo >= 0 && hi - lo >= 2, `${v}: ${lo}..${hi}`);
  }
  assert.equal(stepRange([]), null);
  assert.equal(stepRange([null, NaN]), null);
});

test('a flat series gets a y range around its value, linear and log', () => {
  assert.deepEqual(flatRange(0), [-1, 1]);
  assert.deepEqual(flatRange(5), [4.5, 5.5]);
  assert.deepEqual(flatRange(-2), [-2.2, -1.8]);
  const [lo, hi] = flatRange(0.01, true);
  assert.ok(Math.abs(Math.log10(0.01 / lo) - 0.5) < 1e-9 && Math.abs(Math.log10(hi / 0.01) - 0.5) < 1e-9);
  assert.deepEqual(flatRange(0, true), [-1, 1], 'log of 0 has no range: the linear one');
  assert.equal(decadeOf(180), 100);
  assert.equal(decadeOf(0.5), 1);
});
