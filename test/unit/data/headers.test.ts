import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/core/data/errors';
import { niftiVolumeShape, pngSize } from '../../../src/core/data/headers';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { encodeGrayPng } from '../../../src/core/data/png';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-headers-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('niftiVolumeShape: the RAS shape from the header (axes permuted as the affine says); not a 3-D volume is refused', () =>
  withDir((dir) => {
    const vol = generatePhantomCase(0, { seed: 1, shape: [12, 10, 4] }).image;
    writeFileSync(path.join(dir, 'ras.nii.gz'), encodeNifti(vol, { datatype: 'int16' }));
    assert.deepEqual(niftiVolumeShape(path.join(dir, 'ras.nii.gz'), 'a'), [12, 10, 4]);
    // Stored with the first two voxel axes swapped (voxel i runs along world y): the RAS shape swaps back.
    const [nx, ny, nz] = vol.shape;
    const swapped = new Float32Array(nx * ny * nz);
    const a = vol.affine;
    const affine = [
      [a[0][1], a[0][0], a[0][2], a[0][3]],
      [a[1][1], a[1][0], a[1][2], a[1][3]],
      [a[2][1], a[2][0], a[2][2], a[2][3]],
      [0, 0, 0, 1],
    ];
    writeFileSync(
      path.join(dir, 'swapped.nii.gz'),
      encodeNifti({ data: swapped, shape: [ny, nx, nz], spacing: vol.spacing, affine }, { datatype: 'int16' }),
    );
    assert.deepEqual(niftiVolumeShape(path.join(dir, 'swapped.nii.gz'), 'b'), [12, 10, 4]);
    // A single slice stored as a 2-D image.
    const flat = encodeNifti({ ...vol, data: vol.data.subarray(0, nx * ny), shape: [nx, ny, 1] }, { gzip: false });
    new DataView(flat.buffer, flat.byteOffset).setInt16(40, 2, true);
    writeFileSync(path.join(dir, 'flat.nii'), flat);
    assert.throws(
      () => niftiVolumeShape(path.join(dir, 'flat.nii'), 'c'),
      (e: unknown) =>
        e instanceof DataError &&
        /^case 'c': flat\.nii: 2-D image with shape \[12, 10\]; a volume needs 3 spatial dimensions/.test(e.message),
    );
  }));

test('pngSize: width and height from the IHDR chunk; a short or foreign file is "not a PNG file"', () =>
  withDir((dir) => {
    writeFileSync(path.join(dir, 'a.png'), encodeGrayPng({ width: 7, height: 5, depth: 8, data: new Uint8Array(35) }));
    assert.deepEqual(pngSize(path.join(dir, 'a.png'), 'x'), [7, 5]);
    writeFileSync(path.join(dir, 'short.png'), Buffer.from([0x89, 0x50]));
    assert.throws(
      () => pngSize(path.join(dir, 'short.png'), 'x'),
      (e: unknown) => e instanceof DataError && /^case 'x': short\.png: not a PNG file/.test(e.message),
    );
    writeFileSync(path.join(dir, 'jpeg.png'), Buffer.alloc(64, 0xff));
    assert.throws(
      () => pngSize(path.join(dir, 'jpeg.png'), 'x'),
      (e: unknown) => e instanceof DataError && /jpeg\.png: not a PNG file/.test(e.message),
    );
    assert.throws(
      () => pngSize(path.join(dir, 'missing.png'), 'x'),
      (e: unknown) => e instanceof DataError && /missing\.png: cannot read the file \(ENOENT\)/.test(e.message),
    );
  }));
