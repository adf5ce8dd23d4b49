import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DataProblem } from '../../../../src/core/data/errors';
import { caseIdFromPath, isDir, listFiles, NII, readJson, stripNii } from '../../../../src/core/data/layouts/files';

test('listFiles: matching names, sorted, no dot files, a link to a listed file once; isDir tells folders from files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-layout-files-'));
  for (const f of ['b.nii.gz', 'a.nii', 'c.png', 'notes.txt', '._a.nii']) writeFileSync(path.join(dir, f), '');
  symlinkSync(path.join(dir, 'a.nii'), path.join(dir, 'link.nii'));
  assert.deepEqual(listFiles(dir, NII), ['a.nii', 'b.nii.gz']);
  assert.ok(isDir(dir));
  assert.ok(!isDir(path.join(dir, 'a.nii')));
  assert.ok(!isDir(path.join(dir, 'missing')));
});

test('stripNii and caseIdFromPath: ids from file names, forward slashes', () => {
  assert.equal(stripNii('case_01.nii.gz'), 'case_01');
  assert.equal(stripNii('case_01.nii'), 'case_01');
  assert.equal(caseIdFromPath('/data', path.join('/data', 'p1', 'ct.nii.gz')), 'p1/ct');
});

test('readJson: a broken dataset.json is a problem naming the file, not a throw', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-layout-json-'));
  const good = path.join(dir, 'good.json');
  const bad = path.join(dir, 'bad.json');
  writeFileSync(good, '{"training": []}');
  writeFileSync(bad, '{"training": [');
  const problems: DataProblem[] = [];
  assert.deepEqual(readJson(good, problems), { training: [] });
  assert.equal(readJson(bad, problems), null);
  assert.equal(problems.length, 1);
  assert.ok((problems[0].file ?? '').startsWith(bad));
  assert.match(problems[0].message, /invalid JSON/);
});
