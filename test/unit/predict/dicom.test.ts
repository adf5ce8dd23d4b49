import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readDicomSeriesFiles } from '../../../src/core/data/dicom';
import { readNiftiFile } from '../../../src/core/data/nifti';
import { resolveInputs } from '../../../src/core/predict/inputs';
import { predictCases } from '../../../src/core/predict/predict';
import { ctSlice } from '../data/dicomFixtures';

// class 1 where HU > 37.5 (abdomen window above 0.5), so the expected label map is known voxel for voxel
const model = {
  sliceSize: 128,
  numClasses: 2,
  classNames: ['background', 'bright'],
  logits: (x: tf.Tensor4D) => tf.tidy(() => tf.concat([tf.zerosLike(x), tf.mul(tf.sub(x, 0.5), 40)], 3) as tf.Tensor4D),
};

test('a DICOM series folder: one .nii.gz on the series grid (its affine as sform and qform), labels voxel for voxel; a non-CT series is refused', async () => {
  await tf.setBackend('cpu');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-predict-dicom-'));
  const series = path.join(root, 'ct_series');
  fs.mkdirSync(series);
  [-75.7, -70.7, -65.7].forEach((z, k) => fs.writeFileSync(path.join(series, `s${k}.dcm`), ctSlice({ z, intercept: -1024 + 10 * k })));
  const vol = await readDicomSeriesFiles(
    fs.readdirSync(series).map((f) => path.join(series, f)),
    'ct_series',
  );
  const res = await predictCases(resolveInputs(series, { inChannels: 1 }), {
    model,
    intensity: { kind: 'abdomen' },
    foregroundOnly: false,
    outDir: path.join(root, 'out'),
    probabilities: false,
    batch: 2,
    overlaySlices: 0,
  });
  assert.equal(path.basename(res.cases[0].output), 'ct_series_seg.nii.gz');
  const out = await readNiftiFile(res.cases[0].output, { reorient: false });
  assert.deepEqual(out.shape, vol.shape);
  assert.deepEqual([out.header.qformCode, out.header.sformCode], [1, 1]);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(out.affine[r][c] - vol.affine[r][c]) < 1e-4, `affine[${r}][${c}]`);
  const want = Array.from(vol.data, (v) => (v > 37.5 ? 1 : 0));
  assert.deepEqual(Array.from(out.data), want);
  assert.ok(want.some((v) => v === 1) && want.some((v) => v === 0));

  const mr = path.join(root, 'mr_series');
  fs.mkdirSync(mr);
  [-75.7, -70.7].forEach((z, k) => fs.writeFileSync(path.join(mr, `s${k}.dcm`), ctSlice({ z, modality: 'MR' })));
  assert.throws(
    () => resolveInputs(mr, { inChannels: 1 }),
    (e: Error & { exitCode?: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /modality is MR, not CT/);
      return true;
    },
  );
});
