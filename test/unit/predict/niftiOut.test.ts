import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNifti } from '../../../src/core/data/nifti';
import { parseNiftiHeader } from '../../../src/core/data/niftiHeader';
import { encodeNiftiImage, geometryOfAffine, geometryOfHeader, type NiftiGeometry } from '../../../src/core/predict/niftiOut';

const affine = [
  [0, 0, -2.5, 40.25],
  [-0.7, 0, 0, 12.5],
  [0, 1.3, 0, -7.125],
  [0, 0, 0, 1],
];

test('NIfTI-1 output: geometry as given (codes, quaternion, sform, pixdim with qfac), uint8 labels, intent label', () => {
  const g = geometryOfAffine([4, 3, 2], affine);
  g.sformCode = 2;
  const labels = Uint8Array.from({ length: 24 }, (_, i) => i % 3);
  const bytes = encodeNiftiImage({ geometry: g, frames: 1, datatype: 'uint8', data: labels, intentCode: 1002, cal: [0, 2] }, false);
  const h = parseNiftiHeader(bytes);
  assert.deepEqual(geometryOfHeader(h), g);
  assert.equal(h.intentCode, 1002);
  assert.equal(h.datatype, 2);
  const v = readNifti(bytes, { reorient: false });
  assert.deepEqual(Array.from(v.data), Array.from(labels));
  assert.deepEqual(
    v.affine.map((r) => r.map((x) => Math.round(x * 1e4) / 1e4)),
    affine,
  );
});

test('NIfTI-2 in, NIfTI-2 out: the double-precision sform survives; 4-D float32 frames (one per class), gzip', () => {
  const g: NiftiGeometry = {
    version: 2,
    dims: [3, 2, 2, 2, 1, 1, 1, 1],
    pixdim: [-1, 0.123456789012, 0.5, 3, 0, 0, 0, 0],
    qformCode: 0,
    sformCode: 1,
    quatern: [0, 0, 0],
    qoffset: [0, 0, 0],
    srow: [
      [-0.123456789012, 0, 0, 1.000000000001],
      [0, 0.5, 0, 2],
      [0, 0, 3, 3],
    ],
    spatialUnits: 2,
  };
  const data = Float32Array.from({ length: 16 }, (_, i) => i / 16);
  const bytes = encodeNiftiImage({ geometry: g, frames: 2, datatype: 'float32', data, intentCode: 0, cal: [0, 1] }, true);
  assert.equal(bytes[0], 0x1f, 'gzip');
  const v = readNifti(bytes, { reorient: false, frame: 1 });
  assert.equal(v.header.version, 2);
  assert.deepEqual(v.header.srow, g.srow);
  assert.deepEqual(v.header.dims.slice(0, 5), [4, 2, 2, 2, 2]);
  assert.deepEqual(Array.from(v.data), Array.from(data.subarray(8)));
});
