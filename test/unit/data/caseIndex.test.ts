import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { indexLayout, phantomIndex, preparedCaseBytes } from '../../../src/core/data/caseIndex';
import { DataError } from '../../../src/core/data/errors';
import type { DatasetLayout } from '../../../src/core/data/layouts';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { encodeGrayPng } from '../../../src/core/data/png';

test('indexLayout: cases from headers (NIfTI depth and grid, PNG slices); problems thrown together, or their cases skipped', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-index-'));
  try {
    const file = (name: string) => path.join(dir, name);
    writeFileSync(file('a.nii.gz'), encodeNifti(generatePhantomCase(0, { seed: 1, shape: [12, 10, 3] }).image, { datatype: 'int16' }));
    writeFileSync(file('b.nii.gz'), 'not a volume');
    const layout: DatasetLayout = {
      kind: 'unlabelled',
      root: dir,
      unit: 'volume',
      problems: [{ file: file('labelsTr/x.nii.gz'), message: 'label without an image' }],
      cases: [
        { id: 'a', images: [file('a.nii.gz')] },
        { id: 'b', images: [file('b.nii.gz')] },
        { id: 'c', images: [file('c.nii.gz')] },
      ],
    };
    // Three problems: b's header, c's missing file (the label problem does not count without labels).
    assert.throws(
      () => indexLayout(layout, { needLabels: false }),
      (e: unknown) =>
        e instanceof DataError &&
        e.caseId === 'b' &&
        /b\.nii\.gz: not a NIfTI file.* \(and 1 more problem; 'medssl inspect .*' lists them all\)$/.test(e.message),
    );
    const ok = indexLayout(layout, { needLabels: false, ignoreProblems: true });
    assert.deepEqual(
      ok.map((c) => [c.id, c.kind, c.width, c.height, c.depth, c.slices]),
      [['a', 'nifti', 12, 10, 3, [0, 1, 2]]],
    );
    // With labels needed, the label problem and the unlabelled cases count too.
    assert.throws(
      () => indexLayout(layout, { needLabels: true }),
      (e: unknown) => e instanceof DataError && /label without an image \(and 5 more problems;/.test(e.message),
    );
    assert.throws(
      () => indexLayout({ ...layout, cases: layout.cases.slice(1) }, { needLabels: false, ignoreProblems: true }),
      /no readable cases/,
    );

    writeFileSync(file('s_000.png'), encodeGrayPng({ width: 5, height: 4, depth: 16, data: new Uint16Array(20) }));
    writeFileSync(file('s_001.png'), encodeGrayPng({ width: 5, height: 4, depth: 16, data: new Uint16Array(20) }));
    const png = indexLayout(
      {
        kind: 'slice-folders',
        root: dir,
        unit: 'slices',
        problems: [],
        cases: [{ id: 's', images: [file('s_000.png'), file('s_001.png')] }],
      },
      { needLabels: false },
    );
    assert.deepEqual(
      png.map((c) => [c.kind, c.width, c.height, c.depth, c.slices]),
      [['png', 5, 4, 2, [0, 1]]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('phantomIndex and preparedCaseBytes', () => {
  const idx = phantomIndex(3, { seed: 4, shape: [20, 16, 5] });
  assert.deepEqual(
    idx.map((c) => c.id),
    ['phantom_000', 'phantom_001', 'phantom_002'],
  );
  assert.deepEqual(
    [idx[2].kind, idx[2].width, idx[2].height, idx[2].depth, idx[2].slices.length, idx[2].phantom!.index],
    ['phantom', 20, 16, 5, 5, 2],
  );
  assert.equal(preparedCaseBytes(idx[0], [8, 8], false), 5 * 8 * 8 * 4);
  assert.equal(preparedCaseBytes(idx[0], undefined, true), 5 * 20 * 16 * 4 * 2);
});
