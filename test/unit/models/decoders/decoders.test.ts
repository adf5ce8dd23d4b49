import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { atrousConv, DeepLabV3PlusDecoder, LinearHead, UNetDecoder } from '../../../../src/core/models/decoders';
import { ParamStore } from '../../../../src/core/models/module';
import { ResNetEncoder } from '../../../../src/core/models/resnet';
import { Rng } from '../../../../src/core/util/rng';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

for (const stem of ['small', 'imagenet'] as const) {
  test(`decoders: logits at the input size from the stage maps (${stem} stem); gradients reach every decoder parameter`, async () => {
    await cpu();
    const size = stem === 'small' ? 16 : 64;
    const enc = new ResNetEncoder({ depth: 18, widths: [4, 8, 16, 16], stem });
    const store = new ParamStore(new Rng(1));
    const decs = [
      new LinearHead(store.scope('lin'), 16, 5),
      new UNetDecoder(store.scope('unet'), enc.config.stageChannels, 5),
      new DeepLabV3PlusDecoder(store.scope('dl'), enc.config.stageChannels, 5),
    ];
    const x = tf.randomNormal([2, size, size, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const n0 = tf.memory().numTensors;
    for (const d of decs) {
      const y = tf.tidy(() => {
        const s = enc.forward(x).stages;
        return d instanceof LinearHead ? d.forward(s[3], [size, size]) : d.forward(s, [size, size]);
      });
      assert.deepEqual(y.shape, [2, size, size, 5]);
      y.dispose();
      if (d instanceof LinearHead) continue;
      const vars = d.trainableVariables();
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => tf.mean(tf.square(d.forward(enc.forward(x).stages, [size, size])))) as tf.Scalar,
        vars,
      );
      for (const v of vars) {
        const g = grads[v.name];
        assert.ok(g, `gradient for ${v.name}`);
        assert.ok(Number.isFinite(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])));
      }
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.equal(tf.memory().numTensors, n0);
    x.dispose();
    enc.dispose();
    store.dispose();
  });
}

test('atrous convolution through space-to-batch equals conv2d with dilation (odd and even sizes)', async () => {
  await cpu();
  for (const [h, w, r] of [
    [8, 8, 2],
    [7, 9, 3],
    [5, 5, 6],
  ]) {
    const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', h) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', w) as tf.Tensor4D;
    const a = atrousConv(x, f, r).dataSync();
    const b = tf.conv2d(x, f, 1, 'same', 'NHWC', r).dataSync();
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    assert.ok(m < 1e-4, `${h}x${w} rate ${r}: max diff ${m}`);
    tf.dispose([x, f]);
  }
});
