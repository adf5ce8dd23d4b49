import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseDicomSlice, readDicomFile, readDicomSeries } from '../../../src/core/data/dicom';
import { DataError } from '../../../src/core/data/errors';
import { orientationCode, reorientToRAS } from '../../../src/core/data/volume';
import { debianFile } from './debianFiles';

// Expected values computed with pydicom 2.3 (Debian python3-pydicom):
//   a = ds.pixel_array * RescaleSlope + RescaleIntercept  (slope 1, intercept −1024)
//   a.min() = −896, a.max() = 1167, a.sum() = −1950906, a[0,0] = −849, a[64,64] = 904, a[100,30] = 65
//   ImagePositionPatient = [−158.135803, −179.035797, −75.699997], PixelSpacing 0.661468, SliceThickness 5
const IDENTIFYING = ['CompressedSamples', 'CT1', 'JFK', 'IMAGING CENTER'];

test('pydicom CT_small.dcm: HU after rescale, geometry, and nothing identifying in what the reader returns', async () => {
  const s = await readDicomFile(debianFile('ctSmall'));
  assert.equal(s.rows, 128);
  assert.equal(s.columns, 128);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of s.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  assert.deepEqual([min, max, sum], [-896, 1167, -1950906]);
  assert.equal(s.data[0], -849);
  assert.equal(s.data[64 + 128 * 64], 904);
  assert.equal(s.data[30 + 128 * 100], 65);
  assert.deepEqual(s.position, [-158.135803, -179.035797, -75.699997]);
  assert.deepEqual(s.pixelSpacing, [0.661468, 0.661468]);
  const text = JSON.stringify({ ...s, data: [] });
  for (const word of IDENTIFYING) assert.ok(!text.includes(word), `'${word}' leaked: ${text}`);
});

test('a DICOM series is sorted by position (not file name), spaced from positions, and oriented LPS → RAS', async () => {
  const bytes = readFileSync(debianFile('ctSmall'));
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-dicom-'));
  try {
    // Same-length edits of the z position give three slices 5 mm apart; file names are out of order.
    const withZ = (z: string) => {
      const b = Buffer.from(bytes);
      const at = b.indexOf('-75.699997');
      assert.ok(at > 0);
      b.write(z, at, 'latin1');
      return b;
    };
    writeFileSync(path.join(dir, 'a.dcm'), withZ('-65.699997'));
    writeFileSync(path.join(dir, 'b.dcm'), withZ('-75.699997'));
    writeFileSync(path.join(dir, 'c.dcm'), withZ('-70.699997'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not dicom');
    const v = await readDicomSeries(dir, 'series_1');
    assert.deepEqual(
      v.files.map((f) => path.basename(f)),
      ['b.dcm', 'c.dcm', 'a.dcm'],
    );
    assert.deepEqual(v.shape, [128, 128, 3]);
    assert.ok(Math.abs(v.spacing[2] - 5) < 1e-6 && Math.abs(v.spacing[0] - 0.661468) < 1e-6);
    assert.equal(orientationCode(v.affine), 'LPS');
    assert.deepEqual(
      v.affine[0].map((x) => +x.toFixed(6)),
      [-0.661468, 0, 0, 158.135803],
    );
    const ras = reorientToRAS(v);
    assert.equal(orientationCode(ras.affine), 'RAS');
    // Uneven spacing (a missing slice) names the file.
    writeFileSync(path.join(dir, 'd.dcm'), withZ('-50.699997'));
    await assert.rejects(
      readDicomSeries(dir, 'series_1'),
      (e: unknown) => e instanceof DataError && /case 'series_1'.*d\.dcm: uneven slice spacing/.test(e.message),
    );
    rmSync(path.join(dir, 'd.dcm'));
    writeFileSync(path.join(dir, 'e.dcm'), withZ('-70.699997'));
    await assert.rejects(readDicomSeries(dir), /same position as .* \(duplicate slice\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad DICOM input: compressed transfer syntax and non-DICOM bytes get errors naming the file', async () => {
  const j2k = debianFile('jpeg2000');
  await assert.rejects(
    readDicomFile(j2k, 'c3'),
    (e: unknown) =>
      e instanceof DataError &&
      e.message.includes(j2k) &&
      /compressed transfer syntax 1\.2\.840\.10008\.1\.2\.4\.9\d \(JPEG 2000.*\) is not supported; decompress/.test(e.message),
  );
  assert.throws(() => parseDicomSlice(new Uint8Array(300), 'x.dcm'), /x\.dcm: not a readable DICOM file/);
});
