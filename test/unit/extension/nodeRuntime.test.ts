import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeNodeVersion, resolveNodeRuntime } from '../../../src/extension/worker/nodeRuntime';

const versions = (m: Record<string, string | undefined>) => async (cmd: string) => m[cmd];

test('the setting wins when it is a Node ≥ 18', async () => {
  const r = await resolveNodeRuntime(
    '/opt/node22/bin/node',
    '/vscode/code',
    versions({ '/opt/node22/bin/node': 'v22.1.0', node: 'v20.0.0' }),
  );
  assert.equal(r.command, '/opt/node22/bin/node');
  assert.deepEqual(r.env, {});
  assert.match(r.description, /v22\.1\.0 from the setting medssl\.nodePath/);
});

test('a setting that does not run, or is too old, is an error naming the setting', async () => {
  await assert.rejects(resolveNodeRuntime('/nope', '/vscode/code', versions({})), /medssl\.nodePath '\/nope' does not run as Node\.js/);
  await assert.rejects(
    resolveNodeRuntime('/old', '/vscode/code', versions({ '/old': 'v16.20.0' })),
    /is Node v16\.20\.0; MedSSL needs Node 18 or newer/,
  );
});

test('node on PATH is used when it is new enough', async () => {
  const r = await resolveNodeRuntime('', '/vscode/code', versions({ node: 'v20.11.1' }));
  assert.equal(r.command, 'node');
  assert.match(r.description, /from PATH/);
});

test('otherwise VS Code runs the worker itself as Node, and says what that costs', async () => {
  const old = await resolveNodeRuntime('', '/vscode/code', versions({ node: 'v16.0.0' }));
  assert.equal(old.command, '/vscode/code');
  assert.deepEqual(old.env, { ELECTRON_RUN_AS_NODE: '1' });
  assert.match(old.description, /'node' on PATH is v16\.0\.0.*portable WebAssembly backend only/);
  const none = await resolveNodeRuntime('', '/vscode/code', versions({}));
  assert.match(none.description, /no 'node' on PATH/);
});

test('probeNodeVersion runs a real executable', async () => {
  assert.equal(await probeNodeVersion(process.execPath), process.version);
  assert.equal(await probeNodeVersion('/definitely/not/here'), undefined);
});
