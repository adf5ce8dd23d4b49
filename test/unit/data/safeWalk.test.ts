import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataProblem } from '../../../src/core/data/errors';
import { detectLayout } from '../../../src/core/data/layouts';
import { DatasetWalker } from '../../../src/core/data/safeWalk';

function tree(): { d: string; root: string } {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-walk-'));
  const root = path.join(d, 'ds');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.mkdirSync(path.join(d, 'sibling'));
  fs.writeFileSync(path.join(root, 'a', 'x.nii.gz'), 'x');
  fs.writeFileSync(path.join(root, 'y.nii.gz'), 'y');
  fs.writeFileSync(path.join(d, 'sibling', 'z.nii.gz'), 'z');
  return { d, root };
}

test('DatasetWalker: a loop and a folder outside the root are reported, not returned; a second link to a file or folder counts once; a broken link is named', () => {
  const { d, root } = tree();
  try {
    fs.symlinkSync('.', path.join(root, 'self'));
    fs.symlinkSync('../sibling', path.join(root, 'up'));
    fs.symlinkSync('a', path.join(root, 'b-same-as-a'));
    fs.symlinkSync('y.nii.gz', path.join(root, 'y-again.nii.gz'));
    fs.symlinkSync('missing.nii.gz', path.join(root, 'dangling.nii.gz'));
    const problems: DataProblem[] = [];
    const w = new DatasetWalker(root, problems);
    const { dirs, files } = w.entries(root);
    assert.deepEqual(
      dirs.map((p) => path.basename(p)),
      ['a'],
    );
    assert.deepEqual(
      files.map((p) => fs.realpathSync(p)),
      [fs.realpathSync(path.join(root, 'y.nii.gz'))],
      'one of the two names of y, once',
    );
    const msgs = problems.map((p) => `${path.basename(p.file ?? '')}: ${p.message}`).sort();
    assert.equal(msgs.length, 3, msgs.join('\n'));
    assert.match(msgs[0], /^dangling\.nii\.gz: is a broken symlink/);
    assert.match(msgs[1], /^self: symlink loop: it leads back to /);
    assert.match(msgs[2], /^up: symlinked folder leads outside the dataset folder \(to .*sibling\)/);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('detectLayout on an unlabelled folder with self → . and up → ..: each volume once, sibling datasets not pulled in, both links reported', () => {
  const { d, root } = tree();
  try {
    fs.symlinkSync('.', path.join(root, 'self'));
    fs.symlinkSync('..', path.join(root, 'up'));
    const layout = detectLayout(root);
    assert.deepEqual(layout.cases.map((c) => c.id).sort(), ['a/x', 'y']);
    assert.deepEqual(layout.problems.map((p) => path.basename(p.file ?? '')).sort(), ['self', 'up']);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('a symlinked folder inside the root is followed when the real one is not walked otherwise', () => {
  const { d, root } = tree();
  try {
    fs.mkdirSync(path.join(root, '.hidden'));
    fs.writeFileSync(path.join(root, '.hidden', 'h.nii.gz'), 'h');
    fs.symlinkSync('.hidden', path.join(root, 'visible'));
    const layout = detectLayout(root);
    assert.deepEqual(layout.cases.map((c) => c.id).sort(), ['a/x', 'visible/h', 'y']);
    assert.deepEqual(layout.problems, []);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
