import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { IndexedCase } from '../../../src/core/data/caseIndex';
import { readCase, readCaseSync } from '../../../src/core/data/caseReader';
import { DataError } from '../../../src/core/data/errors';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { encodeGrayPng } from '../../../src/core/data/png';

test('readCase and readCaseSync read the same stored case: NIfTI in stored order, PNG slices served, labels only when wanted', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-reader-'));
  try {
    const pc = generatePhantomCase(0, { seed: 2, shape: [10, 8, 3] });
    const img = path.join(dir, 'img.nii.gz');
    const lab = path.join(dir, 'lab.nii.gz');
    writeFileSync(img, encodeNifti(pc.image, { datatype: 'int16' }));
    writeFileSync(lab, encodeNifti(pc.label, { datatype: 'uint8' }));
    const nii: IndexedCase = { id: 'n', kind: 'nifti', images: [img], labels: [lab], depth: 3, width: 10, height: 8, slices: [0, 1, 2] };
    const s = readCaseSync(nii, true);
    const a = await readCase(nii, true);
    assert.deepEqual(a.volume!.image.data, s.volume!.image.data);
    assert.deepEqual(a.volume!.label!.data, s.volume!.label!.data);
    assert.deepEqual(s.volume!.image.shape, [10, 8, 3]);
    assert.deepEqual([...s.volume!.label!.data], [...pc.label.data]);
    assert.equal((await readCase(nii, false)).volume!.label, undefined);

    const pngs = [0, 1, 2].map((z) => {
      const f = path.join(dir, `p_${z}.png`);
      writeFileSync(f, encodeGrayPng({ width: 2, height: 2, depth: 16, data: Uint16Array.from([z, z, z, z]) }));
      return f;
    });
    // Foreground filtering left slices 0 and 2: only they are read.
    const png: IndexedCase = { id: 'p', kind: 'png', images: pngs, depth: 3, width: 2, height: 2, slices: [0, 2] };
    assert.deepEqual(
      (await readCase(png, true)).png!.images.map((g) => g.data[0]),
      [0, 2],
    );
    assert.deepEqual(
      readCaseSync(png, true).png!.images.map((g) => g.data[0]),
      [0, 2],
    );
    assert.equal(readCaseSync(png, true).png!.labels, undefined, 'no label files');

    const phantom: IndexedCase = {
      id: 'phantom_001',
      kind: 'phantom',
      images: [],
      depth: 3,
      width: 10,
      height: 8,
      slices: [0, 1, 2],
      phantom: { index: 1, options: { seed: 2, shape: [10, 8, 3] } },
    };
    assert.deepEqual(
      (await readCase(phantom, true)).volume!.label!.data,
      generatePhantomCase(1, { seed: 2, shape: [10, 8, 3] }).label.data,
    );

    const gone: IndexedCase = { ...nii, images: [path.join(dir, 'gone.nii.gz')] };
    await assert.rejects(
      readCase(gone, false),
      (e: unknown) => e instanceof DataError && /^case 'n': .*gone\.nii\.gz: cannot read the file \(ENOENT\)/.test(e.message),
    );
    assert.throws(
      () => readCaseSync(gone, false),
      (e: unknown) => e instanceof DataError && /^case 'n': .*gone\.nii\.gz: cannot read the file \(ENOENT\)/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
