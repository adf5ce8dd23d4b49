// The replica-count decision, the key permutation and the cutting of a batch into replica shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutShares, keyPermutation, resolveWorkers } from '../../../src/core/train/replicas';
import type { BatchViews } from '../../../src/core/train/data';
import { Rng } from '../../../src/core/util/rng';
import { tinyConfig } from './helpers';

test('resolveWorkers: auto = min(2, cores) on wasm only; explicit counts must divide the batch', () => {
  const c = tinyConfig((c) => {
    c.pretrain.workers = 'auto';
  });
  assert.equal(resolveWorkers(c, 'wasm', 2).workers, 2);
  assert.equal(resolveWorkers(c, 'wasm', 8).workers, 2);
  assert.equal(resolveWorkers(c, 'wasm', 1).workers, 1);
  assert.equal(resolveWorkers(c, 'cpu', 2).workers, 1);
  assert.equal(resolveWorkers(c, 'tensorflow', 2).workers, 1);
  assert.equal(
    resolveWorkers(
      tinyConfig((c) => {
        c.pretrain.workers = 2;
      }),
      'cpu',
      2,
    ).workers,
    2,
  );
  assert.throws(
    () =>
      resolveWorkers(
        tinyConfig((c) => {
          c.pretrain.workers = 3;
        }),
        'cpu',
        2,
      ),
    /does not split into 3/,
  );
  assert.equal(
    resolveWorkers(
      tinyConfig((c) => {
        c.pretrain.workers = 'auto';
        c.pretrain.batchSize = 5;
      }),
      'wasm',
      2,
    ).workers,
    1,
  );
});

test('keyPermutation: a shuffle drawn from the generator for "shuffle" (the draw of rng.shuffle), the identity otherwise (no draw)', () => {
  const a = new Rng(4),
    b = new Rng(4);
  assert.deepEqual(keyPermutation(6, 'shuffle', a), b.shuffle([0, 1, 2, 3, 4, 5]));
  assert.deepEqual(a.getState(), b.getState());
  for (const mode of ['subbatch', 'none'] as const) {
    const r = new Rng(4);
    assert.deepEqual(keyPermutation(6, mode, r), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(r.getState(), new Rng(4).getState());
  }
  const one = new Rng(4);
  assert.deepEqual(keyPermutation(1, 'shuffle', one), [0]);
  assert.deepEqual(one.getState(), new Rng(4).getState());
});

/** 4 images of 1×2 px: image i's query pixels are (i, i + 0.5), its key pixels (10 + i, 10.5 + i). */
function views(): BatchViews {
  const q = new Float32Array([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
  const k = q.map((v) => v + 10);
  const geometry = [0, 1, 2, 3].map((i) => [{ tag: `q${i}` }, { tag: `k${i}` }]) as unknown as BatchViews['geometry'];
  return { q, k, geometry, n: 4, height: 1, width: 2 };
}

test('cutShares: replica r gets the queries of images [r·h, (r+1)·h), the keys of perm[r·h ..], its own geometry and the whole inverse', () => {
  const perm = [2, 0, 3, 1];
  const s = cutShares(views(), perm, 2);
  assert.equal(s.length, 2);
  assert.deepEqual(Array.from(new Float32Array(s[0].q)), [0, 0.5, 1, 1.5]);
  assert.deepEqual(Array.from(new Float32Array(s[1].q)), [2, 2.5, 3, 3.5]);
  assert.deepEqual(Array.from(new Float32Array(s[0].k)), [12, 12.5, 10, 10.5]);
  assert.deepEqual(Array.from(new Float32Array(s[1].k)), [13, 13.5, 11, 11.5]);
  assert.deepEqual(s[1].geometry, [
    [{ tag: 'q2' }, { tag: 'k2' }],
    [{ tag: 'q3' }, { tag: 'k3' }],
  ]);
  for (const x of s) {
    assert.deepEqual(x.inv, [1, 3, 0, 2]);
    assert.deepEqual([x.h, x.height, x.width], [2, 1, 2]);
  }
  assert.notEqual(s[0].q, s[1].q, 'each share owns its buffers (they are transferred)');
  const one = cutShares(views(), [0, 1, 2, 3], 1)[0];
  assert.deepEqual(Array.from(new Float32Array(one.k)), Array.from(views().k));
  assert.throws(() => cutShares(views(), [0, 1, 2], 1), /permutation of 3 for 4 images/);
  assert.throws(() => cutShares(views(), [0, 1, 2, 3], 3), /4 images do not split into 3/);
});
