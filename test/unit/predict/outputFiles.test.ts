import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeName, splitExtension, writeNew } from '../../../src/core/predict/outputFiles';

test('the suffix goes before .nii.gz / .nii', () => {
  assert.deepEqual(splitExtension('ct_seg.nii.gz'), ['ct_seg', '.nii.gz']);
  assert.deepEqual(splitExtension('ct_seg.nii'), ['ct_seg', '.nii']);
  assert.deepEqual(splitExtension('predict'), ['predict', '']);
});

test('writeNew never replaces a file: name, name-1, name-2; concurrent writers get distinct names; no temporary file left', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-out-'));
  fs.writeFileSync(path.join(dir, 'a_seg.nii.gz'), 'old');
  const got = await Promise.all([1, 2, 3].map((i) => writeNew(dir, 'a_seg.nii.gz', new Uint8Array([i]))));
  assert.deepEqual(got.map((p) => path.basename(p)).sort(), ['a_seg-1.nii.gz', 'a_seg-2.nii.gz', 'a_seg-3.nii.gz']);
  assert.equal(fs.readFileSync(path.join(dir, 'a_seg.nii.gz'), 'utf8'), 'old');
  assert.deepEqual(got.map((p) => fs.readFileSync(p)[0]).sort(), [1, 2, 3]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a_seg-1.nii.gz', 'a_seg-2.nii.gz', 'a_seg-3.nii.gz', 'a_seg.nii.gz']);
  assert.equal(await freeName(dir, 'a_seg.nii.gz'), path.join(dir, 'a_seg-4.nii.gz'));
});
