import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { loadSegmentationData } from '../../../src/core/eval/data';
import { finetuneEvaluation } from '../../../src/core/eval/finetune';
import { loadSegmentationModel } from '../../../src/core/eval/savedModel';
import { buildEncoder } from '../../../src/core/eval/segment';
import { resolveInputs } from '../../../src/core/predict/inputs';
import { predictCases } from '../../../src/core/predict/predict';
import { intensityPreset } from '../../../src/core/train/data';
import { TestWriter, tinyConfig } from '../train/helpers';

// At data.size 64 the phantom's own grid is the model's (64²): no resampling either way, so the Dice of
// the written label maps on the input grid is the evaluation's too, number for number (all slices count:
// with data.foregroundOnly the evaluation drops the slices without foreground, the label map cannot).
test("at the data grid, the Dice of the written label maps equals the evaluation's (zscore window); no tensor leak", async () => {
  await tf.setBackend('cpu');
  const c = tinyConfig((x) => {
    x.data.size = 64;
    x.data.phantom = { cases: 4, slices: 3, seed: 2 };
    x.data.foregroundOnly = false;
    x.data.window = 'zscore';
    x.evaluation.finetune = { ...x.evaluation.finetune, enabled: true, init: 'random', lr: 0.01 };
    x.evaluation.overlaySlices = 0;
  });
  const data = loadSegmentationData(c);
  const w = TestWriter.temp();
  const enc = buildEncoder(c);
  const ft = await finetuneEvaluation(c, { writer: w, encoder: enc, data, init: 'random' });
  enc.dispose();

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-predict-dice-'));
  fs.mkdirSync(path.join(root, 'img'));
  fs.mkdirSync(path.join(root, 'lab'));
  for (const id of data.heldOutCases) {
    const pc = generatePhantomCase(Number(id.replace('phantom_', '')), { seed: 2, shape: [64, 64, 3] });
    fs.writeFileSync(path.join(root, 'img', `${id}.nii`), encodeNifti(pc.image, { datatype: 'float32', gzip: false }));
    fs.writeFileSync(path.join(root, 'lab', `${id}.nii`), encodeNifti(pc.label, { datatype: 'uint8', gzip: false }));
  }
  const model = await loadSegmentationModel(c, w.dir, 'finetune');
  const n0 = tf.memory().numTensors;
  const res = await predictCases(resolveInputs(path.join(root, 'img'), { labels: path.join(root, 'lab'), inChannels: 1 }), {
    model: { sliceSize: 64, numClasses: model.meta.numClasses, classNames: model.meta.classNames, logits: (x) => model.logits(x) },
    intensity: intensityPreset(c),
    foregroundOnly: false,
    outDir: path.join(root, 'out'),
    probabilities: false,
    batch: 2,
    overlaySlices: 1,
  });
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak');
  model.dispose();
  assert.deepEqual(res.dice!.modelGrid, ft.summary);
  assert.deepEqual(res.dice!.native, ft.summary, "the label maps as written give the evaluation's Dice");
  assert.ok(
    res.cases.every((x) => x.output.endsWith('_seg.nii')),
    'a .nii input gives a .nii output',
  );
  for (const k of ft.cases) {
    const p = res.cases.find((x) => x.name === k.caseId)!;
    assert.deepEqual(p.dice!.native.perClass, k.perClass, k.caseId);
    assert.deepEqual([p.dice!.native.truthVoxels, p.dice!.native.predVoxels], [k.truthVoxels, k.predVoxels], k.caseId);
  }
});
