// Where Dawn's binary is looked for, and that the by-path loader the bundles use gives the package's API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dawnNodeCandidates, dawnPlatformDir, findDawnNode } from '../../../src/core/backend/dawnLocate';

test('the package folder per platform: macOS is one universal binary', () => {
  assert.equal(dawnPlatformDir('linux', 'x64'), 'linux-x64');
  assert.equal(dawnPlatformDir('linux', 'arm64'), 'linux-arm64');
  assert.equal(dawnPlatformDir('darwin', 'arm64'), 'darwin-universal');
  assert.equal(dawnPlatformDir('darwin', 'x64'), 'darwin-universal');
  assert.equal(dawnPlatformDir('win32', 'x64'), 'win32-x64');
});

test('candidates: MEDSSL_DAWN_NODE first, then beside the bundle, then the installed package', () => {
  const list = dawnNodeCandidates('/x/dist', 'linux-x64', { MEDSSL_DAWN_NODE: '/opt/dawn.node' });
  assert.equal(list[0], '/opt/dawn.node');
  assert.equal(list[1], path.join('/x/dist', 'webgpu', 'linux-x64', 'dawn.node'));
  assert.match(list[2] ?? '', /node_modules[/\\]webgpu[/\\]dist[/\\]linux-x64[/\\]dawn\.node$/);
  assert.equal(dawnNodeCandidates('/x/dist', 'linux-x64', {}).length, 2);
});

test('a packaged layout (dist/webgpu/<platform>/dawn.node) is found before node_modules', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-dawn-'));
  try {
    fs.mkdirSync(path.join(dir, 'webgpu', 'linux-arm64'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'webgpu', 'linux-arm64', 'dawn.node'), '');
    assert.equal(findDawnNode(dir, 'linux-arm64', {}), path.join(dir, 'webgpu', 'linux-arm64', 'dawn.node'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('no binary for the platform: the error names the platform, where it looked and what to install', () => {
  assert.throws(
    () => findDawnNode('/nonexistent', 'freebsd-riscv64', {}),
    (e: Error) => {
      assert.match(e.message, /no Dawn binary \(dawn\.node\) for freebsd-riscv64/);
      assert.match(e.message, /\/nonexistent\/webgpu\/freebsd-riscv64\/dawn\.node/);
      assert.match(e.message, /install the MedSSL Studio build for freebsd-riscv64/);
      return true;
    },
  );
});

test('the by-path loader gives the package API (create, globals) and the destroy-unmaps patch', (t) => {
  if (!fs.existsSync(path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', dawnPlatformDir(), 'dawn.node'))) {
    return t.skip(`the webgpu package has no binary for ${dawnPlatformDir()}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads dawn.node, as the bundles do
  const b = require('../../../src/core/backend/dawnBinding') as typeof import('../../../src/core/backend/dawnBinding');
  assert.equal(typeof b.create, 'function');
  assert.equal(
    typeof (b.globals.GPUBufferUsage as { STORAGE?: unknown }).STORAGE,
    'number',
    'GPUBufferUsage flags, which tfjs reads as globals',
  );
  assert.ok(fs.existsSync(b.dawnNodePath));
  const proto = (b.globals.GPUDevice as { prototype: Record<symbol, unknown> }).prototype;
  assert.equal(proto[Symbol.for('webgpu.deviceDestroyUnmapsBuffers')], true);
});
