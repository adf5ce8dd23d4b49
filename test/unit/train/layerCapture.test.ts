import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../../src/core/config/types';
import type { Slice } from '../../../src/core/data/volume';
import { resolveResNetConfig } from '../../../src/core/models/resnet';
import { Moco } from '../../../src/core/ssl/moco';
import { viewAugment } from '../../../src/core/train/data';
import { computeDiagnostics } from '../../../src/core/train/diagnostics';
import { captureLayers, diagnosticLayerNames } from '../../../src/core/train/layerCapture';
import { mocoOptions } from '../../../src/core/train/mocoSetup';
import { Rng } from '../../../src/core/util/rng';
import { tinyConfig } from './helpers';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

type Whiten = 'off' | 'lastNorm' | 'beforePool';

function config(whiten: Whiten): ExperimentConfig {
  return tinyConfig((c) => {
    c.model.whitening.enabled = whiten !== 'off';
    c.model.whitening.groupSize = 8;
    if (whiten !== 'off') c.model.whitening.position = whiten;
  });
}

function moco(whiten: Whiten): Moco {
  const m = new Moco(mocoOptions(config(whiten)), new Rng(3));
  m.query.train(false);
  return m;
}

/** n 16×16 slices of smooth random content (seeded). */
function slices(n: number, seed = 5): Slice[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const a = r.next() * 4;
    const b = r.next() * 4;
    const data = new Float32Array(256);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) data[y * 16 + x] = Math.sin(a * x * 0.3 + b) + Math.cos(b * y * 0.3 - a);
    return { data, width: 16, height: 16 };
  });
}

function batch(s: Slice[]): tf.Tensor4D {
  const d = new Float32Array(s.length * 256);
  s.forEach((x, i) => d.set(x.data, i * 256));
  return tf.tensor4d(d, [s.length, 16, 16, 1]);
}

const BASE = ['layer1', 'layer2', 'layer3', 'lastNorm.in', 'lastNorm.out', 'layer4'];

test('layer names: whitening off and at lastNorm tap the last norm; beforePool adds its input and output', () => {
  const off = resolveResNetConfig({ lastNorm: 'batchnorm', whiteningPosition: 'beforePool' });
  assert.deepEqual(diagnosticLayerNames(off), [...BASE, 'representation', 'embedding']);
  assert.deepEqual(diagnosticLayerNames(resolveResNetConfig({ lastNorm: 'zca' })), [...BASE, 'representation', 'embedding']);
  assert.deepEqual(diagnosticLayerNames(resolveResNetConfig({ lastNorm: 'iternorm', whiteningPosition: 'beforePool' })), [
    ...BASE,
    'beforePool.in',
    'beforePool.out',
    'representation',
    'embedding',
  ]);
});

for (const whiten of ['off', 'lastNorm', 'beforePool'] as const) {
  test(`captureLayers (${whiten}): every layer in order, [n, channels] each, the pooled maps consistent, nothing leaked`, async () => {
    await cpu();
    const m = moco(whiten);
    const x = batch(slices(5));
    try {
      const before = tf.memory().numTensors;
      const got = await captureLayers(m.query, x);
      assert.equal(tf.memory().numTensors, before, 'every tensor of the capture disposed');
      assert.deepEqual([...got.keys()], diagnosticLayerNames(m.query.encoder.config));
      const ch = m.query.encoder.config.stageChannels; // [4, 8, 16, 16]
      const dims: Record<string, number> = {
        layer1: ch[0],
        layer2: ch[1],
        layer3: ch[2],
        layer4: ch[3],
        'lastNorm.in': ch[3],
        'lastNorm.out': ch[3],
        'beforePool.in': ch[3],
        'beforePool.out': ch[3],
        representation: ch[3],
        embedding: 16,
      };
      for (const [name, v] of got) {
        assert.equal(v.dim, dims[name], name);
        assert.equal(v.data.length, 5 * v.dim, name);
        assert.ok(
          v.data.every((z) => Number.isFinite(z)),
          name,
        );
      }
      // the representation is the pooled last map: layer4, or with beforePool the whitening's output
      const pooledMap = whiten === 'beforePool' ? 'beforePool.out' : 'layer4';
      assert.deepEqual(got.get('representation')!.data, got.get(pooledMap)!.data);
      if (whiten === 'beforePool') assert.deepEqual(got.get('beforePool.in')!.data, got.get('layer4')!.data);
      // the same pass as the plain forward: the tap changes nothing
      const plain = tf.tidy(() => m.query.encoder.forward(x).pooled);
      assert.deepEqual(await plain.data(), got.get('representation')!.data);
      plain.dispose();
      // in training mode (batch statistics) the norm's output is centred per channel over the batch and the
      // positions, so its pooled vectors average to ~0 (β = 0 at init) while its input's do not
      m.query.train(true);
      const t = await captureLayers(m.query, x);
      const mean = (v: Float32Array) => v.reduce((a, z) => a + Math.abs(z), 0) / v.length;
      const channelMeans = (name: string) => {
        const { dim, data } = t.get(name)!;
        return Float32Array.from({ length: dim }, (_, j) => data.filter((_, i) => i % dim === j).reduce((a, z) => a + z, 0) / 5);
      };
      assert.ok(mean(channelMeans('lastNorm.out')) < 1e-4, `lastNorm.out channel means ${channelMeans('lastNorm.out')}`);
      assert.ok(mean(channelMeans('lastNorm.in')) > 1e-3, `lastNorm.in channel means ${channelMeans('lastNorm.in')}`);
    } finally {
      x.dispose();
      m.dispose();
    }
  });
}

test('known ranks: two distinct slices, repeated, span one direction at every layer (RankMe ≈ 1); one slice is a point (0)', async () => {
  await cpu();
  const m = moco('lastNorm');
  const two = slices(2, 11);
  const s = [two[0], two[1], two[0], two[1], two[0], two[1]];
  try {
    const d = await computeDiagnostics(m, s, viewAugment(config('lastNorm')), 1, 4, 0, 0);
    assert.deepEqual(Object.keys(d.layers), diagnosticLayerNames(m.query.encoder.config));
    for (const [name, r] of Object.entries(d.layers)) {
      assert.ok(Math.abs(r.rankMe - 1) < 0.01, `${name}: RankMe ${r.rankMe}`);
      assert.equal(r.dims99, 1, name);
      assert.equal(r.samples, 6, name);
    }
    assert.equal(d.representation, d.layers.representation);
    assert.equal(d.embedding, d.layers.embedding);
    // one slice, repeated: every layer is a point, rank 0
    const one = await computeDiagnostics(m, [two[0], two[0], two[0], two[0]], viewAugment(config('lastNorm')), 1, 4, 0, 0);
    for (const [name, r] of Object.entries(one.layers)) assert.ok(r.rankMe === 0 && r.dims99 === 0, `${name}: RankMe ${r.rankMe}`);
    // distinct slices spread further than two points
    const many = await computeDiagnostics(m, slices(12), viewAugment(config('lastNorm')), 1, 4, 0, 0);
    assert.ok(many.layers.layer1.rankMe > 1.5, `layer1 RankMe ${many.layers.layer1.rankMe} on 12 distinct slices`);
  } finally {
    m.dispose();
  }
});

test('computeDiagnostics: the tensor count is the same before and after, across two calls', async () => {
  await cpu();
  const m = moco('beforePool');
  const s = slices(6);
  const aug = viewAugment(config('beforePool'));
  try {
    const n0 = tf.memory().numTensors;
    const a = await computeDiagnostics(m, s, aug, 1, 4, 0, 0);
    const n1 = tf.memory().numTensors;
    const b = await computeDiagnostics(m, s, aug, 1, 4, 3, 1);
    const n2 = tf.memory().numTensors;
    assert.equal(n1, n0, 'first call');
    assert.equal(n2, n1, 'second call');
    // evaluation mode, own generator: the same numbers both times
    assert.deepEqual(a.layers['beforePool.in'].eigenvalues, b.layers['beforePool.in'].eigenvalues);
    assert.equal(b.step, 3);
  } finally {
    m.dispose();
  }
});
