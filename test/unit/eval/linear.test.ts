import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSegmentationData, labelFractionCases } from '../../../src/core/eval/data';
import { linearEvaluation } from '../../../src/core/eval/linear';
import { segmentationLoss } from '../../../src/core/eval/losses';
import { overlayPlanes, type OverlayIndex } from '../../../src/core/eval/overlays';
import { buildEncoder, loadPretrainedEncoder } from '../../../src/core/eval/segment';
import { pretrain } from '../../../src/core/train/pretrain';
import { TestWriter, tinyConfig } from '../train/helpers';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

function snapshot(store: { list(): Array<{ name: string; variable: tf.Variable }> }): Map<string, Uint8Array> {
  return new Map(
    store.list().map((e) => {
      const v = e.variable.dataSync() as Float32Array;
      return [e.name, new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))];
    }),
  );
}

const evalConfig = () =>
  tinyConfig((c) => {
    c.model.whitening.enabled = true; // running mean and running W must stay untouched too
    c.evaluation.linear = { enabled: true, epochs: 3, batchSize: 4, lr: 0.05, diceWeight: 1 };
    c.evaluation.overlaySlices = 2;
  });

test('segmentation loss: CE + soft Dice; a confident correct prediction scores near 0, a wrong one high', async () => {
  await cpu();
  const labels = tf.tensor3d([0, 1, 1, 2], [1, 2, 2], 'int32');
  const good = tf.tidy(() => tf.mul(tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, 3).reshape([1, 2, 2, 3]), 20)) as tf.Tensor4D;
  const bad = tf.tidy(() => tf.mul(tf.oneHot(tf.tensor1d([2, 0, 0, 1], 'int32'), 3).reshape([1, 2, 2, 3]), 20)) as tf.Tensor4D;
  const g = segmentationLoss(good, labels, 1);
  const b = segmentationLoss(bad, labels, 1);
  assert.ok(g.total.dataSync()[0] < 0.2, `good ${g.total.dataSync()[0]}`);
  assert.ok(b.total.dataSync()[0] > 10, `bad ${b.total.dataSync()[0]}`);
  assert.ok(b.dice.dataSync()[0] > 0.6 && g.dice.dataSync()[0] < 0.1, `dice ${b.dice.dataSync()[0]} vs ${g.dice.dataSync()[0]}`); // ε = 1 on 4 pixels
  tf.dispose([labels, good, bad, g.total, g.ce, g.dice, b.total, b.ce, b.dice]);
});

test('label fraction is by case: at least one case, seeded, a subset', () => {
  const cases = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  assert.equal(labelFractionCases(cases, 0.1, 0).length, 1);
  assert.equal(labelFractionCases(cases, 0.25, 0).length, 3);
  assert.deepEqual(labelFractionCases(cases, 0.5, 3), labelFractionCases(cases, 0.5, 3));
  assert.ok(labelFractionCases(cases, 0.5, 3).every((x) => cases.includes(x)));
  assert.deepEqual(labelFractionCases(cases, 1, 0), cases);
});

test('linear evaluation: encoder weights and running statistics bit-identical before/after; metrics.json per-case table; overlays; no tensor leak', async () => {
  await cpu();
  const c = evalConfig();
  const data = loadSegmentationData(c);
  assert.ok(data.heldOut.length > 0 && data.train.length > 0);
  assert.deepEqual([...new Set(data.heldOut.map((s) => s.caseId))].sort(), data.heldOutCases);
  const encoder = buildEncoder(c);
  // Give the running statistics non-default values (a few training-mode passes), as after pretraining.
  tf.tidy(() => {
    for (let i = 0; i < 2; i++) encoder.forward(tf.randomNormal([4, 16, 16, 1], 0, 1, 'float32', 1 + i));
  });
  encoder.eval();
  assert.ok(encoder.whitening, 'whitening layer present');
  const before = snapshot(encoder.store);
  const w = TestWriter.temp();
  const n0 = tf.memory().numTensors;
  const losses: number[] = [];
  const m = await linearEvaluation(c, { writer: w, encoder, data, onStep: (_s, _t, l) => losses.push(l) });
  assert.equal(tf.memory().numTensors, n0, 'tensor count unchanged after the evaluation');
  const after = snapshot(encoder.store);
  assert.equal(after.size, before.size);
  for (const [k, v] of before) assert.ok(Buffer.from(v).equals(Buffer.from(after.get(k)!)), `${k} changed`);
  assert.ok(
    before.has('encoder.layer4.1.whiten2.running_mean') || [...before.keys()].some((k) => k.includes('whiten')),
    'whitening buffers were compared',
  );
  assert.equal(losses.length, 3 * Math.ceil(data.train.length / 4));
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < losses[0], `loss decreases: ${losses[0]} → ${losses[losses.length - 1]}`);
  // metrics.json
  const mj = JSON.parse(fs.readFileSync(path.join(w.dir, 'metrics.json'), 'utf8'));
  assert.equal(mj.linear.kind, 'linear');
  assert.equal(mj.linear.cases.length, data.heldOutCases.length);
  assert.equal(mj.linear.cases[0].perClass.length, 11);
  assert.ok(Array.isArray(mj.linear.cases[0].absentClasses));
  assert.equal(m.summary.cases, data.heldOutCases.length);
  assert.ok(m.summary.meanForeground === null || (m.summary.meanForeground >= 0 && m.summary.meanForeground <= 1));
  // overlays: index + binary, planes decode, truth equals the data's label
  const idx = JSON.parse(fs.readFileSync(path.join(w.dir, 'overlays/linear/index.json'), 'utf8')) as OverlayIndex;
  const bin = new Uint8Array(fs.readFileSync(path.join(w.dir, 'overlays/linear/slices.bin')));
  assert.equal(idx.format, 'medssl-overlays');
  assert.equal(bin.byteLength, idx.slices.length * 3 * 16 * 16);
  assert.ok(idx.slices.length >= 2);
  const first = idx.slices[0];
  const src = data.heldOut.find((s) => s.caseId === first.caseId && s.z === first.z)!;
  assert.deepEqual([...overlayPlanes(idx, bin, 0).truth], [...src.label.data]);
  for (let k = 1; k < 11; k++) {
    const wi = idx.worstSlicePerClass[k];
    if (wi >= 0) assert.ok(idx.slices[wi].worstFor.includes(k));
  }
  encoder.dispose();
});

test("linear evaluation from a pretraining run: loads the checkpoint's query encoder with its running statistics", async () => {
  await cpu();
  const c = tinyConfig((x) => {
    x.pretrain.epochs = 1;
    x.model.whitening.enabled = true;
  });
  const w = TestWriter.temp();
  await pretrain(c, { writer: w, configHash: 'h' });
  const { encoder, checkpoint } = await loadPretrainedEncoder(c, w.dir);
  assert.match(checkpoint, /checkpoints/);
  const man = JSON.parse(fs.readFileSync(path.join(checkpoint, 'query', 'manifest.json'), 'utf8'));
  const e = man.entries.find((x: { name: string }) => x.name.endsWith('running_mean'));
  const bytes = fs.readFileSync(path.join(checkpoint, 'query', man.dataFile)).subarray(e.offset, e.offset + e.byteLength);
  const v = encoder.store.get(e.name).dataSync() as Float32Array;
  assert.ok(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(bytes), `${e.name} loaded`);
  encoder.dispose();
  await assert.rejects(loadPretrainedEncoder(c, TestWriter.temp().dir), /no complete checkpoint/);
});

test('evaluation data from a labelled dataset folder (phantom written as MSD): same split rule, labels, class names from dataset.json', async () => {
  const { writePhantomMsd } = await import('../../../src/core/data/phantom/msd');
  const os = await import('node:os');
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-evalmsd-')), 'Task01_Phantom');
  writePhantomMsd(dir, { cases: 4, shape: [32, 32, 4], seed: 1 });
  const c = tinyConfig((x) => {
    x.data.source = 'folder';
    x.data.path = dir;
  });
  const d = loadSegmentationData(c);
  assert.equal(d.trainCases.length + d.heldOutCases.length, 4);
  assert.equal(d.heldOutCases.length, 1);
  assert.equal(d.numClasses, 11);
  assert.equal(d.classNames[1], 'liver');
  assert.equal(d.heldOut.length, 4);
  assert.ok(d.train.every((s) => s.label.width === 16 && d.trainCases.includes(s.caseId)));
  assert.ok(
    d.train.some((s) => s.label.data.some((v) => v > 0)),
    'labels loaded',
  );
  assert.throws(
    () =>
      loadSegmentationData(
        tinyConfig((x) => {
          x.data.source = 'folder';
          x.data.path = path.join(dir, 'nope');
        }),
      ),
    /data\.path/,
  );
});
