/**
 * Every op our models train with, forward and gradient, on webgpu against the cpu backend: relative
 * error (to the reference's scale) below 1e-4. Each case's loss is Σ f(inputs) · R with a fixed random
 * R, so the gradient with respect to every input is a full backward pass of f.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { relError, useCpu, useWebGPU, values } from './helpers';

interface OpCase {
  name: string;
  shapes: number[][];
  /** Inputs that must stay positive (variances, scales). */
  positive?: number[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const x4 = [2, 8, 8, 4];
const CASES: OpCase[] = [
  { name: 'conv2d 3×3 stride 1 pad 1', shapes: [x4, [3, 3, 4, 6]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1) },
  { name: 'conv2d 3×3 stride 2 pad 1', shapes: [x4, [3, 3, 4, 6]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1) },
  {
    name: 'conv2d 1×1 stride 2 pad 0 (projection shortcut)',
    shapes: [x4, [1, 1, 4, 8]],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 0),
  },
  {
    name: 'conv2d 7×7 stride 2 pad 3 (ImageNet stem)',
    shapes: [
      [2, 16, 16, 1],
      [7, 7, 1, 4],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 3),
  },
  {
    name: 'batch norm (batch moments, affine)',
    shapes: [x4, [4], [4]],
    positive: [2],
    f: (x, beta, gamma) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x as tf.Tensor4D, mean, variance, beta, gamma, 1e-5);
    },
  },
  { name: 'relu, add (residual)', shapes: [x4, x4], f: (a, b) => tf.relu(tf.add(a, b)) },
  { name: 'maxPool 3×3 stride 2 pad same', shapes: [x4], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') },
  { name: 'avgPool 2×2 stride 2', shapes: [x4], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'global mean pool', shapes: [x4], f: (x) => tf.mean(x, [1, 2]) },
  {
    name: 'matMul, and with transposed B',
    shapes: [
      [6, 5],
      [5, 7],
      [7, 5],
    ],
    f: (a, b, c) => tf.add(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D, false, true)),
  },
  {
    name: 'batched matMul (whitening groups)',
    shapes: [
      [2, 4, 4],
      [2, 4, 6],
    ],
    f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
  },
  {
    name: 'l2 normalise (sum, square, sqrt, maximum, div)',
    shapes: [[6, 8]],
    f: (x) => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12)),
  },
  {
    name: 'InfoNCE class 0 (concat, logSumExp, slice, neg, mean)',
    shapes: [
      [4, 8],
      [4, 8],
      [8, 16],
    ],
    f: (q, k, queue) => {
      const pos = tf.sum(tf.mul(q, k), 1, true);
      const logits = tf.div(tf.concat([pos, tf.matMul(q as tf.Tensor2D, queue as tf.Tensor2D)], 1), 0.2);
      return tf.neg(tf.mean(tf.sub(tf.slice(logits, [0, 0], [-1, 1]), tf.logSumExp(logits, 1, true))));
    },
  },
  {
    name: 'gather, transpose, reshape, tile, expandDims',
    shapes: [[4, 3, 2]],
    f: (x) =>
      tf.tile(tf.expandDims(tf.reshape(tf.transpose(tf.gather(x, tf.tensor1d([3, 0, 2, 1], 'int32')), [1, 0, 2]), [3, 8]), 0), [2, 1, 1]),
  },
  {
    name: 'exp, log, rsqrt, max, sub, mul',
    shapes: [
      [5, 6],
      [5, 6],
    ],
    positive: [1],
    f: (a, b) => tf.mul(tf.sub(tf.exp(a), tf.log(b)), tf.add(tf.rsqrt(b), tf.max(a, 1, true))),
  },
  { name: 'resizeBilinear ×2 (decoder upsampling)', shapes: [[2, 4, 4, 3]], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [8, 8]) },
];

interface Result {
  out: Float32Array;
  grads: Float32Array[];
}

async function run(c: OpCase, seed: number): Promise<Result> {
  const xs = c.shapes.map((s, i) => {
    const v = values(
      s.reduce((a, b) => a * b, 1),
      seed + i,
    );
    if (c.positive?.includes(i)) for (let j = 0; j < v.length; j++) v[j] = 0.5 + Math.abs(v[j]);
    return tf.tensor(v, s);
  });
  const y = tf.tidy(() => c.f(...xs));
  const R = tf.tensor(values(y.size, seed + 99), y.shape);
  const g = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(c.f(...ins), R)));
  const grads = g(xs);
  const res = { out: (await y.data()) as Float32Array, grads: await Promise.all(grads.map(async (t) => (await t.data()) as Float32Array)) };
  tf.dispose([...xs, y, R, ...grads]);
  return res;
}

test('webgpu forward and gradients match the cpu backend (rel < 1e-4) for every op the models train with', async (t) => {
  const started = await useWebGPU();
  // Small inputs would otherwise run on the package's CPU fallback and test nothing of the GPU kernels.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  t.diagnostic(
    `adapter: ${started.adapter.device || started.adapter.description} (${started.software ? 'software' : 'hardware'}, Dawn ${started.adapter.dawnBackend})`,
  );
  let worst = 0;
  for (const [i, c] of CASES.entries()) {
    await useCpu();
    const ref = await run(c, 1000 * (i + 1));
    await useWebGPU();
    const before = tf.memory().numTensors;
    const got = await run(c, 1000 * (i + 1));
    assert.equal(tf.memory().numTensors, before, `${c.name}: tensors left behind`);
    const errs = [relError(got.out, ref.out), ...got.grads.map((g, j) => relError(g, ref.grads[j]))];
    const e = Math.max(...errs);
    worst = Math.max(worst, e);
    t.diagnostic(
      `${c.name}: forward ${errs[0].toExponential(1)}, gradients ${errs
        .slice(1)
        .map((x) => x.toExponential(1))
        .join(' ')}`,
    );
    assert.ok(e < 1e-4, `${c.name}: relative error ${e} (forward, then each input's gradient: ${errs.join(', ')})`);
  }
  t.diagnostic(`worst relative error over ${CASES.length} ops: ${worst.toExponential(2)}`);
});

test('AddN past the device bindings: addMany stays right where tf.addN would exceed the limit', async () => {
  const { addMany } = await import('../../src/core/backend/addMany');
  const { maxAddNInputs } = await import('../../src/core/backend/webgpu/start');
  await useWebGPU();
  const limit = maxAddNInputs();
  assert.ok(Number.isFinite(limit) && limit >= 7, `limit ${limit}`);
  const n = 3 * limit + 2;
  const ts = Array.from({ length: n }, (_, i) => tf.fill([64], i + 1));
  const s = addMany(ts);
  assert.deepEqual(new Set(await s.data()), new Set([(n * (n + 1)) / 2]));
  tf.dispose([s, ...ts]);
});
