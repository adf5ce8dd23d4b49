import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { emaUpdate, copyVariables } from '../../../src/core/models/module';
import { ResNetEncoder, resolveResNetConfig, stageSpatialSizes } from '../../../src/core/models/resnet';
import { Rng } from '../../../src/core/util/rng';
import { maxAbsDiff, randn, relError, useCpu } from './helpers';

test('ResNet-18/34/50: output shapes of every stage and the pooled vector (small width)', async () => {
  await useCpu();
  const rng = new Rng(20);
  const x = randn(rng, [2, 32, 32, 1]) as tf.Tensor4D;
  const cases = [
    { depth: 18 as const, widths: [4, 8, 16, 32] as [number, number, number, number], out: [4, 8, 16, 32] },
    { depth: 34 as const, widths: [4, 8, 16, 32] as [number, number, number, number], out: [4, 8, 16, 32] },
    { depth: 50 as const, widths: [2, 4, 8, 16] as [number, number, number, number], out: [8, 16, 32, 64] },
  ];
  for (const c of cases) {
    const enc = new ResNetEncoder({ depth: c.depth, widths: c.widths, seed: 1 });
    const out = enc.forward(x);
    assert.deepEqual(out.stem.shape, [2, 8, 8, c.widths[0]], `depth ${c.depth} stem`);
    const sizes = stageSpatialSizes(enc.config, 32);
    assert.deepEqual(sizes, [
      [8, 8],
      [4, 4],
      [2, 2],
      [1, 1],
    ]);
    out.stages.forEach((s, i) => assert.deepEqual(s.shape, [2, sizes[i][0], sizes[i][1], c.out[i]], `depth ${c.depth} stage ${i + 1}`));
    assert.deepEqual(out.pooled.shape, [2, c.out[3]]);
    assert.equal(enc.featureDim, c.out[3]);
    assert.ok(out.pooled.dataSync().every(Number.isFinite));
    tf.dispose([out.stem, ...out.stages, out.pooled]);
    enc.dispose();
  }
  // 'small' stem keeps the resolution of the input in stage 1.
  const small = new ResNetEncoder({ depth: 18, widths: [4, 8, 16, 32], stem: 'small' });
  const o = small.forward(x);
  assert.deepEqual(
    o.stages.map((s) => s.shape[1]),
    [32, 16, 8, 4],
  );
  tf.dispose([o.stem, ...o.stages, o.pooled]);
  small.dispose();
  x.dispose();
});

test('ResNet parameter counts match torchvision (no fc head)', async () => {
  await useCpu();
  const r18 = new ResNetEncoder({ depth: 18, inChannels: 3 });
  assert.equal(r18.numParameters(), 11_689_512 - 513_000);
  r18.dispose();
  const r50 = new ResNetEncoder({ depth: 50, inChannels: 3 });
  assert.equal(r50.numParameters(), 25_557_032 - 2_049_000);
  r50.dispose();
  const r34 = resolveResNetConfig({ depth: 34, widthMultiplier: 0.5 });
  assert.deepEqual(r34.widths, [32, 64, 128, 256]);
  assert.equal(r34.featureDim, 256);
});

test('ResNet: 1-channel input repeated to 3; wrong channel count names the option', async () => {
  await useCpu();
  const enc = new ResNetEncoder({ depth: 18, widths: [4, 4, 8, 8], inChannels: 1, repeatToThreeChannels: true });
  assert.deepEqual(enc.stemConv.weight.shape, [7, 7, 3, 4]);
  const x = tf.ones([1, 16, 16, 1]) as tf.Tensor4D;
  const o = enc.forward(x);
  assert.deepEqual(o.pooled.shape, [1, 8]);
  tf.dispose([o.stem, ...o.stages, o.pooled]);
  const bad = tf.ones([1, 16, 16, 3]) as tf.Tensor4D;
  assert.throws(() => enc.forward(bad), /inChannels/);
  tf.dispose([x, bad]);
  enc.dispose();
});

test('ResNet: whitening replaces the last normalisation of the last stage', async () => {
  await useCpu();
  const r18 = new ResNetEncoder({ depth: 18, widths: [4, 8, 16, 32], lastNorm: 'zca', whitening: { groupSize: 16 } });
  const names = r18.namedVariables().map((e) => e.name);
  assert.ok(names.includes('layer4.1.whiten2.running_wm'));
  assert.ok(!names.includes('layer4.1.bn2.gamma'));
  assert.ok(names.includes('layer4.0.bn2.gamma'));
  assert.ok(r18.whitening);
  assert.deepEqual(r18.whitening.runningW.shape, [2, 16, 16]);
  const r50 = new ResNetEncoder({ depth: 50, widths: [2, 4, 8, 16], lastNorm: 'iternorm' });
  const n50 = r50.namedVariables().map((e) => e.name);
  assert.ok(n50.includes('layer4.2.whiten3.gamma'));
  assert.ok(!n50.includes('layer4.2.bn3.gamma'));
  assert.ok(n50.includes('layer4.2.bn2.gamma'));
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  for (const enc of [r18, r50]) {
    const o = enc.forward(x);
    assert.ok(o.pooled.dataSync().every(Number.isFinite));
    tf.dispose([o.stem, ...o.stages, o.pooled]);
    enc.dispose();
  }
  x.dispose();
});

test('ResNet: same seed gives the same weights; eval mode is deterministic and does not touch buffers', async () => {
  await useCpu();
  const a = new ResNetEncoder({ depth: 18, widths: [4, 4, 8, 8], seed: 7 });
  const b = new ResNetEncoder({ depth: 18, widths: [4, 4, 8, 8], seed: 7 });
  const c = new ResNetEncoder({ depth: 18, widths: [4, 4, 8, 8], seed: 8 });
  const va = a.namedVariables();
  const vb = b.namedVariables();
  va.forEach((e, i) => assert.deepEqual(Array.from(e.variable.dataSync()), Array.from(vb[i].variable.dataSync()), e.name));
  assert.ok(maxAbsDiff(va[0].variable.dataSync(), c.namedVariables()[0].variable.dataSync()) > 0);
  const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  a.eval();
  const buffersBefore = a.namedVariables('buffer').map((e) => Array.from(e.variable.dataSync()));
  const o1 = a.forward(x);
  const o2 = a.forward(x);
  assert.deepEqual(Array.from(o1.pooled.dataSync()), Array.from(o2.pooled.dataSync()));
  assert.deepEqual(
    a.namedVariables('buffer').map((e) => Array.from(e.variable.dataSync())),
    buffersBefore,
  );
  tf.dispose([x, o1.stem, ...o1.stages, o1.pooled, o2.stem, ...o2.stages, o2.pooled]);
  // copy / EMA helpers (MoCo key encoder).
  copyVariables(c, a);
  c.namedVariables().forEach((e, i) => assert.deepEqual(Array.from(e.variable.dataSync()), Array.from(va[i].variable.dataSync())));
  emaUpdate(c, a, 0.999);
  [a, b, c].forEach((m) => m.dispose());
});

test('ResNet training step: tensor count stable over repeated forward+backward+SGD (whitening on)', async () => {
  await useCpu();
  const enc = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 16], lastNorm: 'zca', whitening: { groupSize: 8, iterations: 10 } });
  const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const opt = tf.train.momentum(0.01, 0.9);
  const losses: number[] = [];
  const step = (): void => {
    const loss = opt.minimize(
      () => {
        const o = enc.forward(x);
        return tf.mean(tf.square(tf.sub(o.pooled, 1))) as tf.Scalar;
      },
      true,
      enc.trainableVariables(),
    );
    if (loss) {
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
  };
  step();
  step();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, n0);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < losses[0], `loss should decrease: ${losses.join(', ')}`);
  x.dispose();
  opt.dispose();
  enc.dispose();
});

test('ResNet: all parameter gradients with the fast BatchNorm match plain autograd BatchNorm', async () => {
  await useCpu();
  const bnMod = await import('../../../src/core/models/batchNorm');
  const enc = new ResNetEncoder({ depth: 18, widths: [2, 4, 4, 8], seed: 11 });
  const x = tf.randomNormal([3, 16, 16, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const r = tf.randomNormal([3, 8], 0, 1, 'float32', 7);
  const grads = (): Map<string, Float32Array> => {
    const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(enc.forward(x).pooled, r)) as tf.Scalar, enc.trainableVariables());
    value.dispose();
    const names = new Map(enc.namedVariables('param').map((e) => [e.variable.name, e.name]));
    const out = new Map<string, Float32Array>();
    for (const [k, t] of Object.entries(g)) out.set(names.get(k)!, t.dataSync() as Float32Array);
    tf.dispose(g);
    return out;
  };
  const fast = grads();
  const original = bnMod.BatchNorm.prototype.apply;
  bnMod.BatchNorm.prototype.apply = function (this: InstanceType<typeof bnMod.BatchNorm>, t: tf.Tensor, training: boolean): tf.Tensor {
    return training ? bnMod.batchNormReference(t, this.gamma, this.beta, this.epsilon) : original.call(this, t, training);
  };
  let ref: Map<string, Float32Array>;
  try {
    ref = grads();
  } finally {
    bnMod.BatchNorm.prototype.apply = original;
  }
  assert.equal(fast.size, enc.trainableVariables().length);
  let worst = 0;
  for (const [name, g] of fast) {
    const e = relError(g, ref.get(name)!);
    worst = Math.max(worst, e);
    assert.ok(e < 1e-3, `${name}: relative error ${e}`);
  }
  console.log(
    `encoder gradients, fast vs reference BatchNorm: worst relative error ${worst.toExponential(2)} over ${fast.size} parameters`,
  );
  tf.dispose([x, r]);
  enc.dispose();
});
