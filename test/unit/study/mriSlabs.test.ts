import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLASS_NAMES, cutSlabs, lobeTable, writeSlabDataset } from '../../../bench/study/mriSlabs';
import { readNiftiFile } from '../../../src/core/data/nifti';
import { applyAffine } from '../../../src/core/data/volume';
import { debianFile } from '../data/debianFiles';

test('AAL lobes: every region of aal.nii.txt maps to one of the 8 lobes by its code; known regions land where expected', () => {
  const t = lobeTable(fs.readFileSync(debianFile('aalTxt'), 'utf8'));
  assert.equal(t.size, 116);
  assert.deepEqual([...new Set(t.values())].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(CLASS_NAMES[t.get(1)!], 'frontal'); // Precentral_L 2001
  assert.equal(CLASS_NAMES[t.get(37)!], 'limbic'); // Hippocampus_L 4101
  assert.equal(CLASS_NAMES[t.get(77)!], 'subcortical grey'); // Thalamus_L 7101
  assert.equal(CLASS_NAMES[t.get(116)!], 'cerebellum'); // Vermis_10 9170
  assert.throws(() => lobeTable('1 Nowhere_L 1234\n'), /Nowhere_L has code 1234/);
});

test('ch2 + AAL cut into 8 slabs: contiguous, covering the atlas, same voxels and world positions as the volume', async () => {
  const image = await readNiftiFile(debianFile('ch2'));
  const atlas = await readNiftiFile(debianFile('aal'));
  const slabs = cutSlabs(image, atlas, lobeTable(fs.readFileSync(debianFile('aalTxt'), 'utf8')), 8);
  assert.equal(slabs.length, 8);
  for (let i = 1; i < slabs.length; i++) assert.equal(slabs[i].z0, slabs[i - 1].z1, 'contiguous');
  const [X, Y] = image.shape;
  const s = slabs[3];
  const k = 5;
  // a voxel of the slab is the volume's voxel at z0 + k, and both affines put it at the same place
  const i = 90 + X * (100 + Y * k);
  assert.equal(s.image.data[i], image.data[90 + X * (100 + Y * (s.z0 + k))]);
  assert.deepEqual(applyAffine(s.image.affine, [90, 100, k]), applyAffine(image.affine, [90, 100, s.z0 + k]));
  // the lower slabs hold cerebellum (8), the top one none; every slab has foreground
  assert.ok(slabs[0].label.data.includes(8));
  assert.ok(!slabs[7].label.data.includes(8));
  for (const sl of slabs)
    assert.ok(
      sl.label.data.some((v) => v > 0),
      `${sl.id} has labels`,
    );
});

test('the slab dataset is an MSD folder with 8 cases and the lobe names', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-slabs-'));
  try {
    const stats = await writeSlabDataset(debianFile('ch2'), debianFile('aal'), debianFile('aalTxt'), dir, 8);
    assert.ok(stats.mean > 0 && stats.sd > 0);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8'));
    assert.equal(json.training.length, 8);
    assert.equal(json.labels['8'], 'cerebellum');
    const label = await readNiftiFile(path.join(dir, 'labelsTr', 'ch2_slab00.nii.gz'));
    assert.ok(label.data.every((v) => v >= 0 && v <= 8));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
