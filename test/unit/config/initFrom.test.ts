import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initFromProblems } from '../../../src/core/config/initFrom';
import { defaultConfig } from '../../../src/core/config/load';

test('initFromProblems: no init, nothing to check; the path is resolved against the config folder even when files are not checked', () => {
  const c = defaultConfig('x');
  assert.deepEqual(initFromProblems(c, '/cfg', true), []);
  c.model.init = { from: 'w/r50.safetensors' };
  assert.deepEqual(initFromProblems(c, '/cfg', false), []);
  assert.equal(c.model.init.from, '/cfg/w/r50.safetensors');
});

test('initFromProblems: a missing file, a folder and an unreadable header are named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-initfrom-'));
  try {
    const c = defaultConfig('x');
    c.model.init = { from: 'none.safetensors' };
    assert.match(
      initFromProblems(c, dir, true)[0],
      /^model\.init\.from: the file .*none\.safetensors does not exist \(relative paths are relative to the config file's folder /,
    );
    c.model.init = { from: dir };
    assert.match(initFromProblems(c, dir, true)[0], /^model\.init\.from: cannot read .*: EISDIR/);
    fs.writeFileSync(path.join(dir, 'short.safetensors'), 'abc');
    c.model.init = { from: path.join(dir, 'short.safetensors') };
    assert.match(initFromProblems(c, dir, true)[0], /^model\.init\.from: .*short\.safetensors: not a safetensors file \(3 bytes\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
