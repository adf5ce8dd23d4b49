import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, batchNormReference, batchNormTrain } from '../../../src/core/models/batchNorm';
import { ParamStore } from '../../../src/core/models/module';
import { Rng } from '../../../src/core/util/rng';
import { maxAbsDiff, randn, relError, useCpu } from './helpers';

test('fast BatchNorm: forward and gradients match plain autograd BatchNorm', async () => {
  await useCpu();
  const rng = new Rng(1);
  for (const shape of [
    [4, 5, 5, 3],
    [2, 3, 7, 8],
    [6, 4],
  ]) {
    const C = shape[shape.length - 1];
    const x = randn(rng, shape, 0.7, 2);
    const g = randn(rng, [C], 1, 0.3);
    const b = randn(rng, [C], 0, 0.3);
    const r = randn(rng, shape); // loss = Σ y·r
    const fast = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
      const out = batchNormTrain(xi, gi, bi, 1e-5);
      out.mean.dispose();
      out.variance.dispose();
      return tf.sum(tf.mul(out.y, r));
    });
    const ref = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(batchNormReference(xi, gi, bi, 1e-5), r)));
    const gf = fast([x, g, b]);
    const gr = ref([x, g, b]);
    for (let i = 0; i < 3; i++) {
      const e = relError(gf[i].dataSync(), gr[i].dataSync());
      assert.ok(e < 1e-4, `shape [${shape}] grad ${i}: relative error ${e}`);
    }
    const { y, mean, variance } = batchNormTrain(x, g, b);
    const yr = batchNormReference(x, g, b);
    assert.ok(maxAbsDiff(y.dataSync(), yr.dataSync()) < 1e-4);
    tf.dispose([x, g, b, r, ...gf, ...gr, y, mean, variance, yr]);
  }
});

test('BatchNorm layer: running statistics with momentum, evaluation mode uses them', async () => {
  await useCpu();
  const rng = new Rng(2);
  const store = new ParamStore(rng);
  const bn = new BatchNorm(store.scope('bn'), 3, { momentum: 0.1 });
  const x = randn(rng, [4, 3, 3, 3], 2, 3);
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const M = 4 * 3 * 3;
  const y = bn.apply(x, true);
  const expMean = Array.from(mean.dataSync()).map((m) => 0.1 * m);
  const expVar = Array.from(variance.dataSync()).map((v) => 0.9 + 0.1 * v * (M / (M - 1)));
  assert.ok(maxAbsDiff(bn.runningMean.dataSync(), expMean) < 1e-5);
  assert.ok(maxAbsDiff(bn.runningVar.dataSync(), expVar) < 1e-4);
  // Evaluation mode: running stats, no update.
  const before = bn.runningMean.dataSync().slice();
  const ye = bn.apply(x, false);
  assert.deepEqual(Array.from(bn.runningMean.dataSync()), Array.from(before));
  const expected = tf.batchNorm(x, bn.runningMean, bn.runningVar, bn.beta, bn.gamma, 1e-5);
  assert.ok(maxAbsDiff(ye.dataSync(), expected.dataSync()) < 1e-5);
  assert.ok(maxAbsDiff(ye.dataSync(), y.dataSync()) > 0.1, 'eval output must differ from batch-statistics output');
  tf.dispose([x, mean, variance, y, ye, expected]);
  store.dispose();
});

test('BatchNorm layer: no tensor leak over repeated training steps', async () => {
  await useCpu();
  const rng = new Rng(3);
  const store = new ParamStore(rng);
  const bn = new BatchNorm(store.scope('bn'), 4);
  const x = randn(rng, [2, 4, 4, 4]);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(bn.apply(x, true))) as tf.Scalar, store.trainable());
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, n0);
  x.dispose();
  store.dispose();
});
