import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../../src/core/data/errors';
import { encodeNifti } from '../../../src/core/data/nifti';
import { niftiAffine, parseNiftiHeader, readNiftiHeaderOnly } from '../../../src/core/data/niftiHeader';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';

test('readNiftiHeaderOnly: the header of a large .nii.gz from its first bytes; bad files are DataErrors naming the file and case', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-niftihdr-'));
  try {
    const vol = generatePhantomCase(0, { seed: 1, shape: [96, 80, 40] }).image;
    const gz = path.join(dir, 'big.nii.gz');
    writeFileSync(gz, encodeNifti(vol, { datatype: 'float32' }));
    assert.ok(statSync(gz).size > 64 * 1024, 'larger than what is read');
    const h = readNiftiHeaderOnly(gz);
    assert.deepEqual([h.version, h.ndim, ...h.dims.slice(1, 4)], [1, 3, 96, 80, 40]);
    assert.deepEqual(
      niftiAffine(h)
        .affine.slice(0, 3)
        .map((r) => r.map((v) => Math.round(v * 1000) / 1000)),
      vol.affine.slice(0, 3).map((r) => r.map((v) => Math.round(v * 1000) / 1000)),
    );
    // The same header as parsing the whole uncompressed file.
    const plain = encodeNifti(vol, { datatype: 'int16', gzip: false });
    writeFileSync(path.join(dir, 'plain.nii'), plain);
    assert.deepEqual(readNiftiHeaderOnly(path.join(dir, 'plain.nii')), parseNiftiHeader(plain, 'plain.nii'));

    writeFileSync(path.join(dir, 'bad.nii.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    assert.throws(
      () => readNiftiHeaderOnly(path.join(dir, 'bad.nii.gz'), 'c1'),
      (e: unknown) => e instanceof DataError && e.caseId === 'c1' && /^case 'c1': bad\.nii\.gz: (corrupt gzip|not a NIfTI)/.test(e.message),
    );
    writeFileSync(path.join(dir, 'text.nii'), 'hello');
    assert.throws(
      () => readNiftiHeaderOnly(path.join(dir, 'text.nii'), 'c2'),
      (e: unknown) => e instanceof DataError && /^case 'c2': text\.nii: not a NIfTI file: 5 bytes/.test(e.message),
    );
    assert.throws(
      () => readNiftiHeaderOnly(path.join(dir, 'none.nii'), 'c3'),
      (e: unknown) => e instanceof DataError && /^case 'c3': .*none\.nii: cannot read the file \(ENOENT\)/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
