import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNifti } from '../../../src/core/data/nifti';
import { resolveInputs } from '../../../src/core/predict/inputs';
import { chooseSegmentedSlices } from '../../../src/core/predict/predictOverlays';

const vol = (n: number) => ({
  data: new Float32Array(n * n * 3),
  shape: [n, n, 3] as [number, number, number],
  spacing: [1, 1, 1] as [number, number, number],
  affine: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
});

test('inputs: a file, a folder of volumes (labels matched by name in --labels DIR), a labelled MSD folder', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-inputs-'));
  const imgs = path.join(root, 'imgs');
  const labs = path.join(root, 'labs');
  fs.mkdirSync(imgs);
  fs.mkdirSync(labs);
  for (const id of ['a', 'b']) {
    fs.writeFileSync(path.join(imgs, `${id}.nii.gz`), encodeNifti(vol(8)));
    fs.writeFileSync(path.join(labs, `${id}.nii.gz`), encodeNifti(vol(8), { datatype: 'uint8' }));
  }
  const one = resolveInputs(path.join(imgs, 'a.nii.gz'), { inChannels: 1 });
  assert.deepEqual(
    one.map((c) => [c.name, c.labelFile]),
    [['a', undefined]],
  );
  const both = resolveInputs(imgs, { inChannels: 1, labels: labs });
  assert.deepEqual(
    both.map((c) => [c.name, c.labelFile && path.basename(c.labelFile)]),
    [
      ['a', 'a.nii.gz'],
      ['b', 'b.nii.gz'],
    ],
  );
  assert.throws(() => resolveInputs(imgs, { inChannels: 1, labels: path.join(labs, 'a.nii.gz') }), /one label file for 2 volumes/);
  fs.rmSync(path.join(labs, 'b.nii.gz'));
  assert.throws(() => resolveInputs(imgs, { inChannels: 1, labels: labs }), /no label file for 'b'/);

  const msd = path.join(root, 'Task09');
  fs.mkdirSync(path.join(msd, 'imagesTr'), { recursive: true });
  fs.mkdirSync(path.join(msd, 'labelsTr'));
  fs.writeFileSync(path.join(msd, 'imagesTr', 'x_001.nii.gz'), encodeNifti(vol(8)));
  fs.writeFileSync(path.join(msd, 'labelsTr', 'x_001.nii.gz'), encodeNifti(vol(8), { datatype: 'uint8' }));
  fs.writeFileSync(
    path.join(msd, 'dataset.json'),
    JSON.stringify({
      labels: { 0: 'background', 1: 'spleen' },
      training: [{ image: './imagesTr/x_001.nii.gz', label: './labelsTr/x_001.nii.gz' }],
    }),
  );
  const labelled = resolveInputs(msd, { inChannels: 1 });
  assert.equal(labelled.length, 1);
  assert.equal(path.basename(labelled[0].labelFile!), 'x_001.nii.gz', 'a labelled dataset brings its labels');

  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty);
  assert.throws(() => resolveInputs(empty, { inChannels: 1 }), /empty: no images found/);
});

test('overlay slices: evenly spaced over the slices with predicted foreground, else over all', () => {
  const fg = (on: boolean) => Uint8Array.from([0, on ? 2 : 0]);
  assert.deepEqual(chooseSegmentedSlices([fg(false), fg(true), fg(true), fg(false), fg(true)], 2), [1, 4]);
  assert.deepEqual(chooseSegmentedSlices([fg(false), fg(false), fg(false)], 1), [1]);
  assert.deepEqual(chooseSegmentedSlices([fg(true)], 5), [0]);
});
