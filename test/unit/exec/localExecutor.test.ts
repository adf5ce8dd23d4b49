// The local executor: the tasks of a batch one after the other in one detached shell, started only after
// the ids are recorded; Stop ends the shell's process group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalExecutor } from '../../../src/core/exec';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeNode(dir: string, body: string): string {
  const f = path.join(dir, 'node');
  fs.writeFileSync(f, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return f;
}

test('local: tasks run in order after the ids are recorded; when the shell is done the jobs read as ended', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-local-'));
  const calls = path.join(dir, 'calls');
  const ex = new LocalExecutor({ node: fakeNode(dir, `echo "$@" >> '${calls}'`), cli: '/opt/cli.js' });
  const ids = await ex.submit({ name: 'x', runDirs: ['/r/a', '/r/b'], runsDir: dir, tag: 't', cwd: dir }, (i) => {
    assert.equal(fs.existsSync(calls), false, 'no task before the ids are recorded');
    assert.match(i[0], /^local-\d+_0$/);
  });
  assert.equal(ids.length, 2);
  for (let i = 0; i < 100 && (await ex.states(ids)).get(ids[0])?.status === 'running'; i++) await sleep(50);
  assert.equal(fs.readFileSync(calls, 'utf8'), '/opt/cli.js task /r/a\n/opt/cli.js task /r/b\n');
  assert.equal((await ex.states(ids)).get(ids[1])?.raw, 'ENDED');
});

test('local: cancel ends the running task and the ones after it never start', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-local-'));
  const calls = path.join(dir, 'calls');
  const ex = new LocalExecutor({ node: fakeNode(dir, `echo "$@" >> '${calls}'; sleep 30`), cli: '/opt/cli.js' });
  const ids = await ex.submit({ name: 'x', runDirs: ['/r/a', '/r/b'], runsDir: dir, tag: 't', cwd: dir }, () => undefined);
  for (let i = 0; i < 100 && !fs.existsSync(calls); i++) await sleep(50);
  assert.equal((await ex.states(ids)).get(ids[0])?.status, 'running');
  await ex.cancel(ids);
  for (let i = 0; i < 100 && (await ex.states(ids)).get(ids[0])?.status === 'running'; i++) await sleep(50);
  assert.equal((await ex.states(ids)).get(ids[0])?.status, 'cancelled');
  await sleep(200);
  assert.equal(fs.readFileSync(calls, 'utf8'), '/opt/cli.js task /r/a\n');
});
