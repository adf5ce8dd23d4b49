import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { DataConfigError, loadPretrainData } from '../../../src/core/train/data';
import { pretrain } from '../../../src/core/train/pretrain';
import { TestWriter, tinyConfig } from './helpers';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-folder-'));
}

test('data.source folder: pretraining reads a phantom MSD folder from disk through the loader (2 steps)', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const dir = tempDir();
  try {
    const root = path.join(dir, 'Task98_Phantom');
    writePhantomMsd(root, { cases: 4, seed: 3, shape: [32, 32, 4] });
    const c = tinyConfig((c) => {
      c.data.source = 'folder';
      c.data.path = root;
    });
    const data = loadPretrainData(c);
    assert.equal(data.train.count, 12);
    assert.equal(data.heldOut.count, 4);
    assert.deepEqual([...data.trainCases, ...data.heldOutCases].sort(), ['phantom_000', 'phantom_001', 'phantom_002', 'phantom_003']);
    const [s] = await data.train.read([5]);
    assert.deepEqual([s.width, s.height], [16, 16]);
    assert.ok(s.data.every((v) => v >= 0 && v <= 1) && s.data.some((v) => v > 0.2));

    const w = TestWriter.temp();
    const r = await pretrain(c, { writer: w, configHash: 'h', stopAfterStep: 2 });
    assert.equal(r.status, 'stopped');
    assert.equal(r.step, 2);
    const losses = w.scalars('loss/total');
    assert.equal(losses.length, 2);
    assert.ok(losses.every(([, v]) => Number.isFinite(v)));
    assert.ok(w.events.some((e) => e.type === 'log' && /12 training slices \(3 cases\)/.test(e.message)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('data.source folder: bad input is a DataConfigError naming the folder problem, the case and the file (exit 2)', () => {
  const dir = tempDir();
  try {
    const c = tinyConfig((c) => {
      c.data.source = 'folder';
      c.data.path = dir;
    });
    assert.throws(
      () => loadPretrainData(c),
      (e: unknown) => e instanceof DataConfigError && /^data\.path: .*no images found/.test(e.message),
    );
    const root = path.join(dir, 'msd');
    writePhantomMsd(root, { cases: 4, seed: 3, shape: [16, 16, 4] });
    fs.writeFileSync(path.join(root, 'imagesTr', 'phantom_002.nii.gz'), Buffer.from('not a nifti'));
    c.data.path = root;
    assert.throws(
      () => loadPretrainData(c),
      (e: unknown) => e instanceof DataConfigError && /case 'phantom_002'.*phantom_002\.nii\.gz: not a NIfTI file/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
