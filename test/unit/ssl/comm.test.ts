// The replica collectives' pure parts: the identity of one process and the combination of the
// replicas' per-step numbers into the batch's losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { combineReplicaNumbers, numbersRow, SOLO, type ReplicaNumbers } from '../../../src/core/ssl/comm';
import { useCpu } from './helpers';

test('SOLO: every collective is the identity (same tensors, one row, buffers untouched)', async () => {
  await useCpu();
  const t = tf.tensor2d([[1, 2]]);
  const v = tf.variable(tf.tensor1d([3, 4]));
  assert.equal(SOLO.rank, 0);
  assert.equal(SOLO.world, 1);
  assert.equal(SOLO.gather([t])[0], t);
  assert.deepEqual(SOLO.gatherNumbers([1, 2, 3]), [[1, 2, 3]]);
  const g = [t];
  assert.equal(SOLO.meanGrads(g), g);
  SOLO.meanBuffers([v]);
  assert.deepEqual(Array.from(v.dataSync()), [3, 4]);
  tf.dispose([t, v]);
});

const n = (o: Partial<ReplicaNumbers>): ReplicaNumbers => ({
  total: 1.5,
  global: 1,
  local: 1,
  top1: 0.5,
  localImages: 2,
  localSkipped: 0,
  ...o,
});

test('combineReplicaNumbers: one row is returned exactly as the loss computed it', () => {
  const own = n({ total: 1.2345678, global: 1.1, local: 0.2469136, top1: 1 / 3, localImages: 3 });
  const r = combineReplicaNumbers([numbersRow(own)], own, 0.5);
  assert.deepEqual(r, { total: 1.2345678, global: 1.1, local: 0.2469136, top1: 1 / 3, localSkipped: 0, finite: true });
  const nan = n({ total: Number.NaN });
  assert.equal(combineReplicaNumbers([numbersRow(nan)], nan, 0.5).finite, false);
});

test('combineReplicaNumbers: W rows → mean global and top-1, local weighted by images with a local loss, total = global + λ·local', () => {
  const a = n({ global: 1, local: 2, top1: 0.5, localImages: 1, localSkipped: 1 });
  const b = n({ global: 3, local: Number.NaN, top1: 1, localImages: 0, localSkipped: 2 });
  const c = n({ global: 2, local: 5, top1: 0, localImages: 3 });
  const r = combineReplicaNumbers([a, b, c].map(numbersRow), a, 0.5);
  assert.equal(r.global, 2);
  assert.equal(r.top1, 0.5);
  assert.equal(r.local, (2 * 1 + 5 * 3) / 4);
  assert.equal(r.total, 2 + 0.5 * r.local);
  assert.equal(r.localSkipped, 3);
  assert.equal(r.finite, true);
  const none = combineReplicaNumbers(
    [n({ local: Number.NaN, localImages: 0 }), n({ local: Number.NaN, localImages: 0 })].map(numbersRow),
    a,
    0.5,
  );
  assert.ok(Number.isNaN(none.local));
  assert.equal(none.total, none.global);
});

test('combineReplicaNumbers: one replica with a non-finite loss makes every replica skip the update', () => {
  const r = combineReplicaNumbers([numbersRow(n({})), numbersRow(n({ total: Number.POSITIVE_INFINITY }))], n({}), 0.5);
  assert.equal(r.finite, false);
  assert.ok(Number.isNaN(r.total));
});
