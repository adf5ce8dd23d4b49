import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSegmentationData } from '../../../src/core/eval/data';
import { finetuneEvaluation } from '../../../src/core/eval/finetune';
import { runExperiment } from '../../../src/core/eval/pipeline';
import { buildEncoder } from '../../../src/core/eval/segment';
import { TestWriter, tinyConfig } from '../train/helpers';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

for (const decoder of ['unet', 'deeplabv3plus'] as const) {
  test(`fine-tuning (${decoder}, random init, label fraction by case): encoder and decoder train, metrics.json "finetune", overlays, no leak`, async () => {
    await cpu();
    const c = tinyConfig((x) => {
      x.data.phantom.cases = 5;
      x.data.heldOutFraction = 0.2;
      x.evaluation.finetune = {
        enabled: true,
        decoder,
        init: 'random',
        epochs: 1,
        batchSize: 4,
        lr: 0.01,
        labelFraction: 0.5,
        diceWeight: 1,
      };
      x.evaluation.overlaySlices = 2;
    });
    const data = loadSegmentationData(c);
    const encoder = buildEncoder(c);
    const w0 = encoder.trainableVariables()[0].dataSync().slice();
    const w = TestWriter.temp();
    const n0 = tf.memory().numTensors;
    const m = await finetuneEvaluation(c, { writer: w, encoder, data, init: 'random' });
    assert.equal(tf.memory().numTensors, n0);
    assert.equal(m.trainCases.length, 2, '50% of 4 training cases');
    assert.ok(m.trainCases.every((id) => data.trainCases.includes(id)));
    const w1 = encoder.trainableVariables()[0].dataSync();
    assert.ok(
      w1.some((v, i) => v !== w0[i]),
      'the encoder was fine-tuned',
    );
    const mj = JSON.parse(fs.readFileSync(path.join(w.dir, 'metrics.json'), 'utf8'));
    assert.equal(mj.finetune.settings.decoder, decoder);
    assert.equal(mj.finetune.cases.length, data.heldOutCases.length);
    assert.ok(fs.existsSync(path.join(w.dir, 'overlays/finetune/slices.bin')));
    encoder.dispose();
  });
}

test('runExperiment: pretraining, then linear evaluation and fine-tuning; the run is completed only after them', async () => {
  await cpu();
  const c = tinyConfig((x) => {
    x.pretrain.epochs = 1;
    x.evaluation.linear.enabled = true;
    x.evaluation.linear.epochs = 1;
    x.evaluation.finetune = {
      enabled: true,
      decoder: 'unet',
      init: 'pretrained',
      epochs: 1,
      batchSize: 4,
      lr: 0.01,
      labelFraction: 1,
      diceWeight: 1,
    };
  });
  const w = TestWriter.temp();
  let statusAtEval: string | undefined;
  const r = await runExperiment(c, {
    writer: w,
    configHash: 'h',
    onEvalStep: () => {
      statusAtEval ??= w.run.status;
    },
  });
  assert.equal(statusAtEval, 'running');
  assert.equal(w.run.status, 'completed');
  assert.ok(r.linear && r.finetune);
  const mj = JSON.parse(fs.readFileSync(path.join(w.dir, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(mj).sort(), ['finetune', 'linear', 'representation']);
  assert.equal(mj.representation.effectiveRank, r.pretrain.diagnostics!.representation.effectiveRank);
});
