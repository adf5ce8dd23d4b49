import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../../../src/core/models/module';
import { Whitening, whitenBatch, whitenWith } from '../../../src/core/models/whitening';
import { applyWhitening, covariance, exactZca } from '../../../src/core/models/zcaOracle';
import { Rng } from '../../../src/core/util/rng';
import { correlated, maxAbsDiff, relError, useCpu } from './helpers';

/** Max |cov(y) − I| over entries, for row samples [m, C]. */
function covDeviation(y: ArrayLike<number>, m: number, C: number): number {
  const { sigma } = covariance(y, m, C);
  let d = 0;
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) d = Math.max(d, Math.abs(sigma[a * C + b] - (a === b ? 1 : 0)));
  return d;
}

test('zca: output covariance ≈ I on correlated data and matches the exact eigendecomposition ZCA', async () => {
  await useCpu();
  const rng = new Rng(10);
  const N = 16,
    H = 4,
    Wd = 4,
    C = 32,
    m = N * H * Wd;
  const data = correlated(rng, m, C, 1e3);
  const x = tf.tensor4d(data, [N, H, Wd, C]);
  const r = whitenBatch(x, { method: 'zca', groupSize: 32, iterations: 30, tolerance: 1e-5 });
  const y = r.y.dataSync();
  const dev = covDeviation(y, m, C);
  const oracle = exactZca(data, m, C, 1e-5);
  const yo = applyWhitening(data, m, C, oracle.mean, oracle.W);
  const err = relError(y, yo);
  const werr = relError(r.W.dataSync(), oracle.W);
  console.log(
    `zca cond≈${(oracle.eigenvalues[0] / oracle.eigenvalues[C - 1]).toExponential(1)}: ${r.iterations} steps, residual ${r.residual.toExponential(2)}, max|cov−I| ${dev.toExponential(2)}, rel. error vs oracle: output ${err.toExponential(2)}, W ${werr.toExponential(2)}`,
  );
  assert.ok(dev < 1e-2, `max |cov(y) − I| = ${dev}`);
  assert.ok(err < 1e-2, `relative error vs oracle ${err}`);
  assert.ok(r.iterations <= 30);
  tf.dispose([x, r.y, r.mean, r.W]);
});

test('zca: groups whiten each group of channels independently', async () => {
  await useCpu();
  const rng = new Rng(11);
  const m = 256,
    C = 16,
    c = 8;
  const data = correlated(rng, m, C, 100);
  const x = tf.tensor2d(data, [m, C]);
  const r = whitenBatch(x, { method: 'zca', groupSize: c });
  const y = r.y.dataSync();
  // Each group's own covariance is I; compare with an oracle per group.
  for (let gi = 0; gi < C / c; gi++) {
    const sub = new Float32Array(m * c);
    const ys = new Float64Array(m * c);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < c; j++) {
        sub[i * c + j] = data[i * C + gi * c + j];
        ys[i * c + j] = y[i * C + gi * c + j];
      }
    const o = exactZca(sub, m, c, 1e-5);
    const err = relError(ys, applyWhitening(sub, m, c, o.mean, o.W));
    assert.ok(err < 1e-3, `group ${gi}: relative error ${err}`);
  }
  tf.dispose([x, r.y, r.mean, r.W]);
});

test('iternorm: close to the exact ZCA on well-conditioned data (T = 5); more steps get closer', async () => {
  await useCpu();
  const rng = new Rng(12);
  const m = 512,
    C = 8;
  const data = correlated(rng, m, C, 4);
  const x = tf.tensor2d(data, [m, C]);
  const oracle = exactZca(data, m, C, 1e-5);
  const yo = applyWhitening(data, m, C, oracle.mean, oracle.W);
  const errs: number[] = [];
  for (const T of [5, 10]) {
    const r = whitenBatch(x, { method: 'iternorm', groupSize: C, iterations: T });
    errs.push(relError(r.y.dataSync(), yo));
    tf.dispose([r.y, r.mean, r.W]);
  }
  console.log(`iternorm c=${C} cond≈4: rel. error vs oracle T=5 ${errs[0].toExponential(2)}, T=10 ${errs[1].toExponential(2)}`);
  assert.ok(errs[0] < 5e-2, `T=5 relative error ${errs[0]}`);
  assert.ok(errs[1] < 1e-3, `T=10 relative error ${errs[1]}`);
  x.dispose();
});

test('whitening layer: running mean and W (momentum), evaluation mode uses them', async () => {
  await useCpu();
  const rng = new Rng(13);
  const store = new ParamStore(rng);
  const layer = new Whitening(store.scope('wh'), 8, { method: 'zca', groupSize: 4, momentum: 0.1 });
  const data = correlated(rng, 2 * 3 * 3 * 8 * 4, 8, 10).subarray(0, 2 * 3 * 3 * 8 * 4);
  const x = tf.tensor4d(data.subarray(0, 4 * 3 * 3 * 8), [4, 3, 3, 8]);
  const yTrain = layer.apply(x, true);
  const batch = whitenBatch(x, { method: 'zca', groupSize: 4 });
  // running = 0.9·init + 0.1·batch (init: mean 0, W = I)
  const expMean = Array.from(batch.mean.dataSync()).map((v) => 0.1 * v);
  assert.ok(maxAbsDiff(layer.runningMean.dataSync(), expMean) < 1e-5);
  const I = tf.tile(tf.expandDims(tf.eye(4), 0), [2, 1, 1]);
  const expW = tf.add(tf.mul(I, 0.9), tf.mul(batch.W, 0.1));
  assert.ok(maxAbsDiff(layer.runningW.dataSync(), expW.dataSync()) < 1e-5);
  assert.ok(maxAbsDiff(yTrain.dataSync(), batch.y.dataSync()) < 1e-5, 'γ = 1, β = 0 at init');
  // Evaluation mode: uses running statistics, does not update them.
  const rm = layer.runningMean.dataSync().slice();
  const yEval = layer.apply(x, false);
  assert.deepEqual(Array.from(layer.runningMean.dataSync()), Array.from(rm));
  const expected = whitenWith(x, layer.runningMean, layer.runningW as tf.Tensor as tf.Tensor3D);
  assert.ok(maxAbsDiff(yEval.dataSync(), expected.dataSync()) < 1e-6);
  assert.ok(maxAbsDiff(yEval.dataSync(), yTrain.dataSync()) > 1e-2);
  tf.dispose([x, yTrain, batch.y, batch.mean, batch.W, I, expW, yEval, expected]);
  store.dispose();
});

test('whitening: eval with momentum 1 reproduces the training output', async () => {
  await useCpu();
  const rng = new Rng(14);
  const store = new ParamStore(rng);
  for (const method of ['iternorm', 'zca'] as const) {
    const layer = new Whitening(store.scope(method), 16, { method, groupSize: 8, momentum: 1 });
    const x = tf.tensor4d(correlated(rng, 2 * 4 * 4, 16, 10), [2, 4, 4, 16]);
    const a = layer.apply(x, true);
    const b = layer.apply(x, false);
    assert.ok(maxAbsDiff(a.dataSync(), b.dataSync()) < 1e-4, method);
    tf.dispose([x, a, b]);
  }
  store.dispose();
});

test('whitening: autodiff gradients are finite, match finite differences, and do not leak', async () => {
  await useCpu();
  const rng = new Rng(15);
  for (const method of ['iternorm', 'zca'] as const) {
    const store = new ParamStore(rng);
    const layer = new Whitening(store.scope('wh'), 4, { method, groupSize: 4 });
    const data = correlated(rng, 64, 4, 5);
    const x = tf.tensor2d(data, [64, 4]);
    const wts = tf.tensor2d(rng.normalArray(64 * 4), [64, 4]);
    const loss = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.tanh(layer.apply(xi, true)), wts));
    const g = tf.grad(loss)(x);
    const gd = g.dataSync();
    assert.ok(gd.every(Number.isFinite));
    // Central differences on a few entries (float32: loose tolerance).
    const h = 1e-2;
    for (const idx of [0, 5, 17, 63 * 4 + 3]) {
      const plus = data.slice();
      const minus = data.slice();
      plus[idx] += h;
      minus[idx] -= h;
      const lp = tf.tidy(() => loss(tf.tensor2d(plus, [64, 4])).dataSync()[0]);
      const lm = tf.tidy(() => loss(tf.tensor2d(minus, [64, 4])).dataSync()[0]);
      const fd = (lp - lm) / (2 * h);
      assert.ok(Math.abs(fd - gd[idx]) < 2e-2 * Math.max(1, Math.abs(fd)), `${method} idx ${idx}: autodiff ${gd[idx]} vs fd ${fd}`);
    }
    g.dispose();
    // Tensor count stable across steps.
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => loss(x), store.trainable());
      value.dispose();
      tf.dispose(grads);
    };
    step();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, n0, method);
    tf.dispose([x, wts]);
    store.dispose();
  }
});

test('whitening: iternorm beyond its stable step count is refused; NaN input gives a clear error', async () => {
  await useCpu();
  assert.throws(() => whitenBatch(tf.zeros([4, 8]), { method: 'iternorm', iterations: 20 }), /use method 'zca'/);
  assert.throws(() => whitenBatch(tf.zeros([4, 12]), { groupSize: 8 }), /does not divide the 12 channels/);
  const bad = tf.tensor2d([
    [1, 2],
    [Number.NaN, 1],
    [3, 4],
    [0, 1],
  ]);
  for (const method of ['iternorm', 'zca'] as const) {
    const n0 = tf.memory().numTensors;
    assert.throws(() => whitenBatch(bad, { method }), /contains NaN or Infinity/);
    assert.equal(tf.memory().numTensors, n0, 'no leak on error');
  }
  bad.dispose();
});
