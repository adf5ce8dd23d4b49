import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { addMany } from '../../../src/core/backend/addMany';
import { backendReadsSync } from '../../../src/core/backend/syncReads';

// Compiled to out/test/unit/backend: the sources are four folders up.
const CORE = path.resolve(__dirname, '../../../../src/core');
const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/g;

/**
 * The only synchronous reads allowed in the engine, with why each cannot be awaited. A new one, or
 * one more in these files, fails the test: on WebGPU in Node a synchronous read throws.
 */
const ALLOWED: Record<string, { count: number; reason: string }> = {
  'backend/wasm/dataParallel.ts': {
    count: 1,
    reason:
      "replicaValues(): the cpu branch of the worker replicas' exchange, which exists only on wasm and cpu (resolveWorkers) and refuses any other backend; the barrier protocol is synchronous",
  },
  'models/whitening.ts': {
    count: 3,
    reason: 'inside the synchronous forward pass (autograd); guarded by backendReadsSync(), skipped on webgpu',
  },
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

test('no synchronous tensor reads in src/core beyond the reasoned allow-list', () => {
  const files = sources(CORE);
  assert.ok(files.length > 50, `found ${files.length} sources under ${CORE}`);
  const found: Record<string, number> = {};
  for (const f of files) {
    const n = (fs.readFileSync(f, 'utf8').match(SYNC_READ) ?? []).length;
    if (n) found[path.relative(CORE, f).split(path.sep).join('/')] = n;
  }
  const unexpected = Object.entries(found).filter(([f, n]) => n > (ALLOWED[f]?.count ?? 0));
  assert.deepEqual(unexpected, [], `synchronous reads (use \`await t.data()\`): ${unexpected.map(([f, n]) => `${f} (${n})`).join(', ')}`);
  // An allow-list entry that no longer matches is stale: shrink it so it cannot hide a new read.
  for (const [f, a] of Object.entries(ALLOWED)) assert.equal(found[f] ?? 0, a.count, `${f}: allow-list says ${a.count} (${a.reason})`);
});

test('no tf.addN in src/core outside addMany (WebGPU binds a limited number of inputs)', () => {
  const offenders = sources(CORE).filter((f) => !f.endsWith(`${path.sep}addMany.ts`) && /\baddN\s*\(/.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('addMany: chunked sums equal tf.addN, for any chunk limit', async () => {
  await tf.setBackend('cpu');
  const ts = Array.from({ length: 23 }, (_, i) => tf.fill([3], i + 1));
  const before = tf.memory().numTensors;
  for (const limit of [2, 3, 7, 15, 100]) {
    const s = addMany(ts, limit);
    assert.deepEqual(Array.from(await s.data()), [276, 276, 276], `limit ${limit}`);
    s.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'no intermediate kept');
  const one = addMany([ts[4]]);
  assert.deepEqual(Array.from(await one.data()), [5, 5, 5]);
  one.dispose();
  assert.throws(() => addMany([]), /no tensors/);
  assert.throws(() => addMany(ts, 1), /cannot add/);
  tf.dispose(ts);
});

test('backendReadsSync: the CPU backends read synchronously (the whitening guards keep their checks there)', async () => {
  await tf.setBackend('cpu');
  assert.equal(backendReadsSync(), true);
});
