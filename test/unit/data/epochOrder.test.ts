import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOrder } from '../../../src/core/data/epochOrder';
import { Rng } from '../../../src/core/util/rng';

const ident = (n: number) => Array.from({ length: n }, (_, i) => i);
/** 6 cases of 5 slices (case c holds slices 5c..5c+4), as a dataset indexes them. */
const CASES = ident(30).map((i) => 10 + Math.floor(i / 5));

test('epochOrder: exactly one shuffle of 0..n−1 when every case fits in the cache', () => {
  const a = new Rng(4);
  const b = new Rng(4);
  assert.deepEqual(
    epochOrder(CASES, 6, (x) => a.shuffle(x)),
    b.shuffle(ident(30)),
  );
  assert.deepEqual(a.getState(), b.getState(), 'the generator drew exactly what one shuffle draws');
});

test('epochOrder beyond the cache: cases shuffled, slices shuffled within windows of half the cache, every slice once', () => {
  for (const cacheCases of [1, 2, 4, 5]) {
    const r = new Rng(11);
    const order = epochOrder(CASES, cacheCases, (x) => r.shuffle(x));
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      ident(30),
    );
    const w = Math.max(1, Math.floor(cacheCases / 2));
    for (let g = 0; g < 30; g += 5 * w) {
      const window = order.slice(g, g + 5 * w);
      assert.equal(new Set(window.map((i) => CASES[i])).size, Math.min(w, (30 - g) / 5), `cache ${cacheCases}, window at ${g}: ${window}`);
    }
    assert.notDeepEqual(order, ident(30));
    // The same generator state gives the same order; a different one another.
    const again = new Rng(11);
    assert.deepEqual(
      epochOrder(CASES, cacheCases, (x) => again.shuffle(x)),
      order,
    );
    const other = new Rng(12);
    assert.notDeepEqual(
      epochOrder(CASES, cacheCases, (x) => other.shuffle(x)),
      order,
    );
  }
});

test('epochOrder: the draws are the case shuffle, then one shuffle per window, in that order', () => {
  const calls: number[][] = [];
  const r = new Rng(2);
  epochOrder(CASES, 4, (x) => {
    calls.push([...x]);
    return r.shuffle(x);
  });
  assert.deepEqual(calls[0], [10, 11, 12, 13, 14, 15]);
  assert.deepEqual(
    calls.slice(1).map((c) => c.length),
    [10, 10, 10],
  );
});
