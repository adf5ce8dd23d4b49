import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSegmentationData } from '../../../src/core/eval/data';
import { finetuneEvaluation } from '../../../src/core/eval/finetune';
import { linearEvaluation } from '../../../src/core/eval/linear';
import { listSavedModels, loadSegmentationModel, savedModelDir } from '../../../src/core/eval/savedModel';
import { buildEncoder, evaluateHeldOut } from '../../../src/core/eval/segment';
import { TestWriter, tinyConfig } from '../train/helpers';

const config = () =>
  tinyConfig((x) => {
    x.data.phantom.cases = 5;
    x.data.heldOutFraction = 0.2;
    x.model.whitening.enabled = true;
    x.evaluation.linear = { enabled: true, epochs: 2, batchSize: 4, lr: 0.05, diceWeight: 1 };
    x.evaluation.finetune = { ...x.evaluation.finetune, enabled: true, init: 'random', lr: 0.01 };
    x.evaluation.overlaySlices = 0;
  });

test('an evaluation saves its model; loaded again it predicts the held-out cases to the same Dice as metrics.json; no tensor leak', async () => {
  await tf.setBackend('cpu');
  const c = config();
  const data = loadSegmentationData(c);
  const w = TestWriter.temp();
  await assert.rejects(loadSegmentationModel(c, w.dir), /no segmentation model .*evaluate it first: medssl evaluate/);
  const enc1 = buildEncoder(c);
  const lin = await linearEvaluation(c, { writer: w, encoder: enc1, data });
  enc1.dispose();
  const enc2 = buildEncoder(c);
  const ft = await finetuneEvaluation(c, { writer: w, encoder: enc2, data, init: 'random' });
  enc2.dispose();

  const metas = await listSavedModels(w.dir);
  assert.deepEqual(
    metas.map((m) => [m.kind, m.head, m.numClasses, m.sliceSize]),
    [
      ['finetune', 'unet', data.numClasses, data.size],
      ['linear', 'linear', data.numClasses, data.size],
    ],
  );
  assert.deepEqual(metas[1].classNames, data.classNames);
  assert.equal(metas[0].meanForegroundDice, ft.summary.meanForeground);
  // no temporary folder left behind
  assert.deepEqual(fs.readdirSync(path.join(w.dir, 'models')).sort(), ['finetune', 'linear']);
  assert.ok(fs.existsSync(path.join(savedModelDir(w.dir, 'finetune'), 'head', 'manifest.json')));

  const n0 = tf.memory().numTensors;
  for (const [kind, expected] of [
    ['finetune', ft],
    ['linear', lin],
  ] as const) {
    const model = await loadSegmentationModel(c, w.dir, kind);
    const again = await evaluateHeldOut((x) => model.logits(x), data, { tag: kind, overlaySlices: 0, chunk: 8 });
    model.dispose();
    assert.deepEqual(again.summary, expected.summary, `${kind}: Dice of the reloaded model equals the evaluation's`);
  }
  assert.equal(tf.memory().numTensors, n0, 'tensor count unchanged after load, predict, dispose');
  // the default is the fine-tuned model
  const best = await loadSegmentationModel(c, w.dir);
  assert.equal(best.meta.kind, 'finetune');
  best.dispose();
});
