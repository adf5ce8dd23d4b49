import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../../src/core/config';
import { covariance } from '../../../src/core/models/zcaOracle';
import { ResNetEncoder, type WhiteningPosition } from '../../../src/core/models/resnet';
import { Whitening } from '../../../src/core/models/whitening';
import { mocoOptions } from '../../../src/core/train/mocoSetup';
import { pretrain } from '../../../src/core/train/pretrain';
import { TestWriter, tinyConfig } from '../train/helpers';
import { useCpu } from './helpers';

const WIDTHS: [number, number, number, number] = [4, 8, 8, 16];

function encoder(position: WhiteningPosition): ResNetEncoder {
  return new ResNetEncoder({
    depth: 18,
    widths: WIDTHS,
    stem: 'small',
    lastNorm: 'zca',
    whitening: { groupSize: 8 },
    whiteningPosition: position,
  });
}

/** Max |cov − I| per group of 8 channels of an NHWC map (every position of every image a sample). */
function groupDeviation(t: tf.Tensor4D, c: number): number {
  const [N, H, W, C] = t.shape;
  const m = N * H * W;
  const y = t.dataSync();
  let dev = 0;
  for (let g = 0; g < C / c; g++) {
    const sub = new Float64Array(m * c);
    for (let i = 0; i < m; i++) for (let j = 0; j < c; j++) sub[i * c + j] = y[i * C + g * c + j];
    const { sigma } = covariance(sub, m, c);
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) dev = Math.max(dev, Math.abs(sigma[a * c + b] - (a === b ? 1 : 0)));
  }
  return dev;
}

test("whitening position: lastNorm replaces the last block's 2nd norm; beforePool keeps it and whitens the last stage's output", async () => {
  await useCpu();
  const last = encoder('lastNorm');
  const pool = encoder('beforePool');
  const names = (e: ResNetEncoder) => e.namedVariables().map((v) => v.name);
  assert.ok(
    names(last).some((n) => n.includes('layer4.1.whiten2.')) && !names(last).some((n) => n.includes('layer4.1.bn2.')),
    names(last).join(', '),
  );
  assert.ok(
    names(pool).some((n) => n.includes('layer4.1.bn2.')) && names(pool).some((n) => n.includes('whiten_pool.')),
    names(pool).join(', '),
  );
  assert.ok(!names(pool).some((n) => n.includes('whiten2')));
  assert.ok(last.whitening instanceof Whitening && pool.whitening instanceof Whitening);
  const x = tf.randomNormal([8, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const oLast = last.forward(x);
  const oPool = pool.forward(x);
  // beforePool: the last stage's output is the whitened map (γ = 1, β = 0 at init): covariance I per group
  const devPool = groupDeviation(oPool.stages[3], 8);
  // lastNorm: the residual sum and ReLU follow the whitening, so the stage output is not white
  const devLast = groupDeviation(oLast.stages[3], 8);
  assert.ok(devPool < 1e-2, `beforePool: max |cov − I| ${devPool}`);
  assert.ok(devLast > 0.1, `lastNorm: max |cov − I| ${devLast}`);
  assert.deepEqual(oPool.pooled.shape, [8, 16]);
  tf.dispose([x, oLast.stem, ...oLast.stages, oLast.pooled, oPool.stem, ...oPool.stages, oPool.pooled]);
  last.dispose();
  pool.dispose();
  assert.throws(
    () => new ResNetEncoder({ depth: 18, widths: WIDTHS, lastNorm: 'zca', whiteningPosition: 'projector' as WhiteningPosition }),
    /whiteningPosition: 'projector' is not 'lastNorm' or 'beforePool'/,
  );
});

for (const position of ['lastNorm', 'beforePool'] as const) {
  test(`whitening position ${position}: a config builds and trains one pretraining step (finite loss)`, async () => {
    await useCpu();
    const w = TestWriter.temp();
    const c = tinyConfig((x) => {
      x.model.whitening = { ...x.model.whitening, enabled: true, position };
    });
    assert.equal(mocoOptions(c).encoder.whiteningPosition, position, 'the config reaches the encoder');
    const r = await pretrain(c, { writer: w, configHash: 'h', stopAfterStep: 1 });
    assert.equal(r.step, 1);
    assert.ok(Number.isFinite(r.losses.total), `loss ${r.losses.total}`);
  });
}

test('the ablation example has the whitening rows at both positions', async () => {
  const c = (await loadConfig(path.resolve(__dirname, '../../../../examples/ablation.medssl.yaml'))).config;
  assert.equal(c.model.whitening.position, 'lastNorm');
  const at = (p: string) =>
    (c.variants ?? [])
      .filter((v) => v.set['model.whitening.enabled'] === true && (v.set['model.whitening.position'] ?? 'lastNorm') === p)
      .map((v) => v.name);
  assert.deepEqual(at('lastNorm'), ['decorrelation', 'method']);
  assert.deepEqual(at('beforePool'), ['decorrelation-beforePool', 'method-beforePool']);
});
