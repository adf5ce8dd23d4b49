import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generatePhantomCase, labelCounts, PHANTOM_LABELS } from '../../../src/core/data/phantom/generate';
import { montagePng } from '../../../src/core/data/png';
import { axialSlice, orientationCode, reorientToRAS, type Volume } from '../../../src/core/data/volume';
import { repoRoot } from './debianFiles';

const resultsDir = path.join(repoRoot, 'test-results');
const SHAPE: [number, number, number] = [128, 128, 48];

function huInLabel(img: Volume, lab: Volume, value: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < img.data.length; i++)
    if (lab.data[i] === value) {
      s += img.data[i];
      n++;
    }
  return s / n;
}

test('phantom: montage of slices from four patients (window [-175, 250]) in test-results/', () => {
  const cases = [0, 1, 2, 3].map((i) => generatePhantomCase(i, { seed: 7, shape: SHAPE }));
  const ks = [44, 38, 32, 26, 20, 12];
  const tiles = cases.flatMap((c) => {
    const img = reorientToRAS(c.image);
    return ks.map((k) => ({ image: axialSlice(img, k) }));
  });
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'phantom-montage.png'), montagePng(tiles, ks.length, [-175, 250]));
  const labelled = cases.slice(0, 2).flatMap((c) => {
    const img = reorientToRAS(c.image);
    const lab = reorientToRAS(c.label);
    return ks.map((k) => ({ image: axialSlice(img, k), label: axialSlice(lab, k) }));
  });
  writeFileSync(path.join(resultsDir, 'phantom-montage-labels.png'), montagePng(labelled, ks.length, [-175, 250]));
});

test('phantom: deterministic per (seed, case); different patients differ', () => {
  const a = generatePhantomCase(3, { seed: 1, shape: [48, 48, 12] });
  const b = generatePhantomCase(3, { seed: 1, shape: [48, 48, 12] });
  const c = generatePhantomCase(4, { seed: 1, shape: [48, 48, 12] });
  const d = generatePhantomCase(3, { seed: 2, shape: [48, 48, 12] });
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.label.data, b.label.data);
  assert.notDeepEqual(a.label.data, c.label.data);
  assert.notDeepEqual(a.label.data, d.label.data);
});

test('phantom: every organ present, HU values realistic per tissue, LPS geometry', () => {
  const c = generatePhantomCase(0, { seed: 7, shape: SHAPE });
  assert.equal(orientationCode(c.image.affine), 'LPS');
  assert.deepEqual(c.image.spacing, [400 / 128, 400 / 128, 5]);
  const counts = labelCounts(c.label);
  for (let l = 1; l < PHANTOM_LABELS.length; l++) assert.ok(counts[l] > 50, `${PHANTOM_LABELS[l]} has ${counts[l]} voxels`);
  const mean = (name: (typeof PHANTOM_LABELS)[number]) => huInLabel(c.image, c.label, PHANTOM_LABELS.indexOf(name));
  const within = (name: (typeof PHANTOM_LABELS)[number], lo: number, hi: number) => {
    const m = mean(name);
    assert.ok(m >= lo && m <= hi, `${name}: mean ${m.toFixed(1)} HU, expected ${lo}..${hi}`);
  };
  within('liver', 90, 135);
  within('spleen', 95, 140);
  within('aorta', 130, 190);
  within('kidney_left', 90, 200);
  within('vertebra', 250, 700);
  within('gallbladder', -5, 30);
  within('pancreas', 75, 120);
  within('stomach', -600, 60);
  // Air outside the body, fat under the skin: the histogram has both.
  let air = 0;
  let fat = 0;
  for (const x of c.image.data) {
    if (x < -900) air++;
    else if (x > -130 && x < -70) fat++;
  }
  assert.ok(air > 0.15 * c.image.data.length, `air fraction ${air / c.image.data.length}`);
  assert.ok(fat > 0.05 * c.image.data.length, `fat fraction ${fat / c.image.data.length}`);
});

test('phantom: organs move smoothly along z (centroid steps between adjacent slices are small)', () => {
  const c = generatePhantomCase(1, { seed: 7, shape: SHAPE });
  const lab = reorientToRAS(c.label);
  const [nx, ny, nz] = lab.shape;
  for (const name of ['liver', 'kidney_left', 'aorta'] as const) {
    const value = PHANTOM_LABELS.indexOf(name);
    let prev: [number, number] | null = null;
    let present = 0;
    for (let k = 0; k < nz; k++) {
      let sx = 0;
      let sy = 0;
      let n = 0;
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++)
          if (lab.data[i + nx * (j + ny * k)] === value) {
            sx += i;
            sy += j;
            n++;
          }
      if (n < 20) {
        prev = null;
        continue;
      }
      present++;
      const cur: [number, number] = [sx / n, sy / n];
      if (prev) assert.ok(Math.hypot(cur[0] - prev[0], cur[1] - prev[1]) < 4, `${name} jumps at slice ${k}: ${prev} → ${cur}`);
      prev = cur;
    }
    assert.ok(present >= 5, `${name} present on ${present} slices`);
  }
});

test('phantom MSD dataset: dataset.json, imagesTr/labelsTr NIfTI that the reader loads back (int16 HU, uint8 labels)', async () => {
  const { writePhantomMsd } = await import('../../../src/core/data/phantom/msd');
  const { readNiftiFile } = await import('../../../src/core/data/nifti');
  const { mkdtempSync, readFileSync, rmSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(path.join(tmpdir(), 'medssl-phantom-'));
  try {
    const dir = path.join(root, 'Task00_Phantom');
    const shape: [number, number, number] = [40, 40, 10];
    const json = writePhantomMsd(dir, { cases: 2, seed: 5, shape });
    assert.deepEqual(readdirSync(root), ['Task00_Phantom']); // no partial folder left behind
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'dataset.json'), 'utf8'));
    assert.deepEqual(onDisk, json);
    assert.equal(onDisk.labels['1'], 'liver');
    assert.equal(Object.keys(onDisk.labels).length, 11);
    assert.deepEqual(onDisk.training[1], { image: './imagesTr/phantom_001.nii.gz', label: './labelsTr/phantom_001.nii.gz' });
    const c = generatePhantomCase(1, { seed: 5, shape });
    const img = await readNiftiFile(path.join(dir, 'imagesTr/phantom_001.nii.gz'));
    const lab = await readNiftiFile(path.join(dir, 'labelsTr/phantom_001.nii.gz'));
    assert.equal(img.header.datatype, 4);
    assert.equal(lab.header.datatype, 2);
    assert.equal(img.storedOrientation, 'LPS');
    const ref = reorientToRAS(c.image);
    const refLab = reorientToRAS(c.label);
    for (let i = 0; i < ref.data.length; i++) assert.ok(Math.abs(img.data[i] - ref.data[i]) <= 0.5 + 1e-3, `voxel ${i}`);
    assert.deepEqual(lab.data, refLab.data);
    assert.throws(() => writePhantomMsd(dir, { cases: 1, shape }), /exists and is not empty/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
