import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { caseToSlices } from '../../../src/core/data/preprocess';
import { prepareLabelSlices, prepareVolumeSlices, rasIndexing } from '../../../src/core/data/resample';
import { reorientToRAS, type Volume } from '../../../src/core/data/volume';

const ABDOMEN = { kind: 'abdomen' } as const;

/** The volume stored LPS-like: x and y flipped (the affine says so), as DICOM-derived NIfTI often is. */
function flipXY(v: Volume): Volume {
  const [nx, ny, nz] = v.shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[nx - 1 - x + nx * (ny - 1 - y + ny * z)] = v.data[x + nx * (y + ny * z)];
  const a = v.affine;
  const affine = [
    [-a[0][0], a[0][1], a[0][2], a[0][3] + a[0][0] * (nx - 1)],
    [a[1][0], -a[1][1], a[1][2], a[1][3] + a[1][1] * (ny - 1)],
    [a[2][0], a[2][1], a[2][2], a[2][3]],
    [0, 0, 0, 1],
  ];
  return { data, shape: v.shape, spacing: v.spacing, affine };
}

test('prepareVolumeSlices (the fused path the dataset and the bench use) equals caseToSlices for a volume stored in another orientation', () => {
  const pc = generatePhantomCase(1, { seed: 3, shape: [24, 20, 5] });
  const flipped = flipXY(pc.image);
  const want = caseToSlices('c', pc.image, undefined, { intensity: ABDOMEN, size: [16, 12] }).map((s) => s.image.data);
  const got = prepareVolumeSlices(flipped, ABDOMEN, [16, 12]).map((s) => s.data);
  assert.equal(got.length, 5);
  got.forEach((g, z) => assert.deepEqual(g, want[z], `slice ${z}`));
  assert.deepEqual(prepareVolumeSlices(flipped, ABDOMEN, [16, 12], [3])[0].data, want[3]);
  // z-score and the volume's own grid (no resize) take the other branches of the fused pass.
  const z = { kind: 'zscore', offset: 1024, mean: 900, std: 1000 } as const;
  const wantZ = caseToSlices('c', pc.image, undefined, { intensity: z }).map((s) => s.image);
  assert.deepEqual(prepareVolumeSlices(flipped, z), wantZ);
  assert.deepEqual(
    prepareVolumeSlices(flipped, z, [10, 30]).map((s) => s.data),
    caseToSlices('c', pc.image, undefined, { intensity: z, size: [10, 30] }).map((s) => s.image.data),
  );
});

test('prepareLabelSlices: nearest-neighbour label slices equal caseToSlices, label values kept', () => {
  const pc = generatePhantomCase(2, { seed: 3, shape: [24, 20, 5] });
  const want = caseToSlices('c', pc.image, pc.label, { intensity: ABDOMEN, size: [16, 12] }).map((s) => s.label!.data);
  const got = prepareLabelSlices(flipXY(pc.label), [16, 12], [0, 2, 4]).map((s) => s.data);
  assert.deepEqual(got, [want[0], want[2], want[4]]);
  assert.ok(got.flatMap((d) => [...d]).every((v) => Number.isInteger(v)) && got.some((d) => d.some((v) => v > 1)));
});

test('rasIndexing: shape in RAS order and the strides that walk the stored data', () => {
  const pc = generatePhantomCase(0, { seed: 1, shape: [6, 4, 3] });
  const flipped = flipXY(pc.image);
  const r = rasIndexing(flipped.shape, flipped.affine);
  const ras = reorientToRAS(flipped);
  assert.deepEqual(r.shape, ras.shape);
  // Walking the stored data with the strides visits the voxels of the reoriented volume, in its order.
  const [nx, ny, nz] = ras.shape;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        assert.equal(
          flipped.data[r.start + i * r.stride[0] + j * r.stride[1] + k * r.stride[2]],
          ras.data[i + nx * (j + ny * k)],
          `voxel ${i},${j},${k}`,
        );
      }
});
