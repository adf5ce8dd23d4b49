import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { copyVariables, emaUpdate, ParamStore } from '../../../src/core/models/module';
import { Projector } from '../../../src/core/models/projector';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { Rng } from '../../../src/core/util/rng';
import { maxAbsDiff, useCpu } from './helpers';

test('Rng: seeded, state save/restore reproduces the stream exactly', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => new Rng(43).next()),
  );
  a.normal(); // leaves a cached Box-Muller spare
  const st = a.getState();
  const rest = [a.normal(), a.next(), a.uniform(2, 3), a.int(10)];
  const c = Rng.fromState(JSON.parse(JSON.stringify(st)));
  assert.deepEqual([c.normal(), c.next(), c.uniform(2, 3), c.int(10)], rest);
  const u = new Rng(1).uniformArray(10000);
  const mean = u.reduce((s, v) => s + v, 0) / u.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02 && u.every((v) => v >= 0 && v < 1));
  const n = new Rng(2).normalArray(10000);
  const m = n.reduce((s, v) => s + v, 0) / n.length;
  const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
  assert.ok(Math.abs(m) < 0.05 && Math.abs(sd - 1) < 0.05);
});

test('ParamStore: params vs buffers, duplicate names refused, modules sharing a store see only their own variables', async () => {
  await useCpu();
  const store = new ParamStore(new Rng(0));
  const enc = new ResNetEncoder({ depth: 18, widths: [2, 2, 4, 4] }, store.scope('encoder'));
  const proj = new Projector({ inDim: 4, outDim: 8 }, store.scope('projector'));
  assert.equal(store.list().length, enc.namedVariables().length + proj.namedVariables().length);
  assert.ok(enc.namedVariables().every((e) => !e.name.startsWith('encoder.') && !e.name.startsWith('fc')));
  assert.ok(store.has('encoder.conv1.weight') && store.has('projector.fc1.weight'));
  assert.ok(enc.namedVariables('buffer').every((e) => e.name.endsWith('running_mean') || e.name.endsWith('running_var')));
  assert.ok(enc.namedVariables('buffer').every((e) => !e.variable.trainable));
  assert.ok(enc.trainableVariables().every((v) => v.trainable));
  assert.equal(store.trainable().length, enc.trainableVariables().length + proj.trainableVariables().length);
  assert.throws(() => store.param('encoder.conv1.weight', tf.zeros([1])), /duplicate/);
  // Same seed and structure: a standalone encoder equals the scoped one (init order is deterministic).
  const alone = new ResNetEncoder({ depth: 18, widths: [2, 2, 4, 4], seed: 0 });
  const va = alone.namedVariables();
  enc.namedVariables().forEach((e, i) => {
    assert.equal(va[i].name, e.name);
    assert.deepEqual(Array.from(va[i].variable.dataSync()), Array.from(e.variable.dataSync()), e.name);
  });
  const before = tf.memory().numTensors;
  proj.dispose();
  assert.equal(tf.memory().numTensors, before - 4);
  assert.ok(store.has('encoder.conv1.weight') && !store.has('projector.fc1.weight'));
  enc.dispose();
  alone.dispose();
});

test('copyVariables / emaUpdate (MoCo key encoder): params blend, buffers are copied, structure is checked', async () => {
  await useCpu();
  const q = new ResNetEncoder({ depth: 18, widths: [2, 2, 4, 4], seed: 1 });
  const k = new ResNetEncoder({ depth: 18, widths: [2, 2, 4, 4], seed: 2 });
  const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const o = q.forward(x); // moves q's running statistics
  tf.dispose([x, o.stem, ...o.stages, o.pooled]);
  const before = new Map(k.namedVariables().map((e) => [e.name, Array.from(e.variable.dataSync())]));
  emaUpdate(k, q, 0.9);
  const qv = new Map(q.namedVariables().map((e) => [e.name, Array.from(e.variable.dataSync())]));
  for (const e of k.namedVariables()) {
    const got = Array.from(e.variable.dataSync());
    const exp = e.kind === 'param' ? before.get(e.name)!.map((t, i) => 0.9 * t + 0.1 * qv.get(e.name)![i]) : qv.get(e.name)!;
    assert.ok(maxAbsDiff(got, exp) < 1e-6, e.name);
  }
  copyVariables(k, q);
  for (const e of k.namedVariables()) assert.deepEqual(Array.from(e.variable.dataSync()), qv.get(e.name));
  const other = new ResNetEncoder({ depth: 18, widths: [2, 2, 4, 8] });
  assert.throws(() => emaUpdate(other, q, 0.99), /has shape/);
  [q, k, other].forEach((m) => m.dispose());
});
