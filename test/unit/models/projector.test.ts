import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { l2Normalize, Projector } from '../../../src/core/models/projector';
import { useCpu } from './helpers';

test('projector: pool → Linear(d,d) → ReLU → Linear(d,128), no BatchNorm', async () => {
  await useCpu();
  const p = new Projector({ inDim: 32, seed: 3 });
  assert.deepEqual(
    p.namedVariables().map((e) => `${e.name}:${e.variable.shape.join('x')}`),
    ['fc1.weight:32x32', 'fc1.bias:32', 'fc2.weight:32x128', 'fc2.bias:128'],
  );
  assert.equal(p.namedVariables('buffer').length, 0);
  const map = tf.randomNormal([3, 4, 4, 32], 0, 1, 'float32', 1);
  const z1 = p.forward(map);
  const z2 = p.forward(tf.mean(map, [1, 2]));
  assert.deepEqual(z1.shape, [3, 128]);
  assert.deepEqual(Array.from(z1.dataSync()), Array.from(z2.dataSync()));
  // Hand-computed reference.
  const ref = tf.tidy(() => {
    const v = tf.mean(map, [1, 2]);
    const h = tf.relu(tf.add(tf.matMul(v, p.fc1.weight), p.fc1.bias!));
    return tf.add(tf.matMul(h, p.fc2.weight), p.fc2.bias!);
  });
  assert.deepEqual(Array.from(z1.dataSync()), Array.from(ref.dataSync()));
  assert.throws(() => p.forward(tf.zeros([2, 16])), /expected 32/);
  tf.dispose([map, z1, z2, ref]);
  p.dispose();
});

test('l2Normalize: unit rows, zero rows stay finite', async () => {
  await useCpu();
  const x = tf.tensor2d([
    [3, 4],
    [0, 0],
    [1, 1],
  ]);
  const y = l2Normalize(x).arraySync();
  assert.deepEqual(y[0], [0.6000000238418579, 0.800000011920929]);
  assert.deepEqual(y[1], [0, 0]);
  assert.ok(Math.abs(Math.hypot(y[2][0], y[2][1]) - 1) < 1e-6);
  x.dispose();
});
