import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildManifest,
  cleanPartialCheckpoints,
  findCheckpoint,
  pruneCheckpoints,
  verifyCheckpoint,
} from '../../../src/core/train/checkpointIntegrity';

/** A fake run folder with checkpoints `names` (each: state.json, query/weights.bin, manifest.json). */
async function fakeRun(names: number[]): Promise<string> {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-ckint-'));
  for (const n of names) {
    const dir = path.join(d, 'checkpoints', String(n));
    fs.mkdirSync(path.join(dir, 'query'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ step: n }));
    fs.writeFileSync(path.join(dir, 'query', 'weights.bin'), Buffer.alloc(64, n));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(await buildManifest(dir)));
  }
  if (names.length) fs.writeFileSync(path.join(d, 'checkpoints', 'latest'), `${Math.max(...names)}\n`);
  return d;
}

test('verifyCheckpoint: whole → null; a changed byte, a truncated file, a missing file each named; a legacy folder without manifest by its state.json', async () => {
  const d = await fakeRun([1]);
  try {
    const dir = path.join(d, 'checkpoints', '1');
    assert.equal(await verifyCheckpoint(dir), null);
    const w = path.join(dir, 'query', 'weights.bin');
    const b = fs.readFileSync(w);
    b[3] ^= 1;
    fs.writeFileSync(w, b);
    assert.equal(await verifyCheckpoint(dir), `${w} does not match its checksum in manifest.json (corrupted)`);
    fs.writeFileSync(w, b.subarray(0, 10));
    assert.equal(await verifyCheckpoint(dir), `${w} has 10 bytes, the manifest says 64 (truncated?)`);
    fs.rmSync(w);
    assert.equal(await verifyCheckpoint(dir), `${w} is missing`);
    fs.rmSync(path.join(dir, 'manifest.json'));
    assert.equal(await verifyCheckpoint(dir), null, 'legacy: state.json reads');
    fs.writeFileSync(path.join(dir, 'state.json'), '{"step": 1');
    assert.equal(await verifyCheckpoint(dir), `${path.join(dir, 'state.json')} is truncated or not JSON`);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('findCheckpoint: the one latest names; else the newest complete, with each skipped one and why; none → null', async () => {
  const d = await fakeRun([2, 4, 6]);
  try {
    const ck = path.join(d, 'checkpoints');
    assert.deepEqual(await findCheckpoint(d), { dir: path.join(ck, '6'), broken: [] });
    fs.writeFileSync(path.join(ck, '6', 'state.json'), '{');
    fs.writeFileSync(path.join(ck, 'latest'), '9\n');
    const r = await findCheckpoint(d);
    assert.equal(r.dir, path.join(ck, '4'));
    assert.deepEqual(
      r.broken.map((b) => b.reason),
      [
        `${path.join(ck, 'latest')} names '9', which is not a checkpoint folder`,
        `${path.join(ck, '6', 'state.json')} has 1 bytes, the manifest says 10 (truncated?)`,
      ],
    );
    assert.deepEqual(await findCheckpoint(fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-ckint-none-'))), { dir: null, broken: [] });
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('pruneCheckpoints keeps the two newest complete ones (a corrupt older one does not count); cleanPartialCheckpoints removes .N.partial-* and temp files', async () => {
  const d = await fakeRun([1, 2, 3, 4]);
  try {
    const ck = path.join(d, 'checkpoints');
    fs.writeFileSync(path.join(ck, '3', 'query', 'weights.bin'), 'broken');
    const removed = await pruneCheckpoints(d);
    assert.deepEqual(removed, [path.join(ck, '1')]);
    assert.deepEqual(fs.readdirSync(ck).sort(), ['2', '3', '4', 'latest']);
    fs.mkdirSync(path.join(ck, '.5.partial-123', 'key'), { recursive: true });
    fs.writeFileSync(path.join(ck, 'latest.tmp-1-a-b'), '5');
    assert.equal((await cleanPartialCheckpoints(d)).length, 2);
    assert.deepEqual(fs.readdirSync(ck).sort(), ['2', '3', '4', 'latest']);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
