import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SliceDataset } from '../../../src/core/data/dataset';
import { DataError } from '../../../src/core/data/errors';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { datasetSource } from '../../../src/core/data/sliceSource';
import { Rng } from '../../../src/core/util/rng';

const ABDOMEN = { kind: 'abdomen' } as const;

test('datasetSource: an epoch read batch by batch with the next batch prefetched reads each case once; reads equal the dataset', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-source-'));
  try {
    const root = path.join(dir, 'Task95_Phantom');
    writePhantomMsd(root, { cases: 6, seed: 8, shape: [24, 24, 5] });
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, size: [12, 12], cacheCases: 2 });
    const src = datasetSource(ds);
    assert.equal(src.count, 30);
    const r = new Rng(5);
    const order = src.epochOrder((a) => r.shuffle(a));
    const seen: number[] = [];
    const B = 4;
    for (let k = 0; k < order.length; k += B) {
      const next = src.prefetch(order.slice(k + B, k + 2 * B));
      const slices = await src.read(order.slice(k, k + B));
      assert.equal(slices.length, Math.min(B, 30 - k));
      seen.push(...order.slice(k, k + B));
      await next;
    }
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
    assert.equal(ds.reads, 6, 'windows of one case in a cache of two: each case read once per epoch');
    const fresh = SliceDataset.open(root, { intensity: ABDOMEN, size: [12, 12], cacheCases: 6 });
    assert.deepEqual(
      await src.read([29, 3, 14]),
      [29, 3, 14].map((i) => fresh.getSync(i).image),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("datasetSource: prefetched cases are read from the cache, not the disk; a bad case is the caller's error from read and prefetch", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-source-'));
  try {
    const root = path.join(dir, 'Task94_Phantom');
    writePhantomMsd(root, { cases: 3, seed: 2, shape: [16, 16, 4] });
    const files = ['phantom_000', 'phantom_001', 'phantom_002'].map((id) => path.join(root, 'imagesTr', `${id}.nii.gz`));
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, size: [8, 8], cacheCases: 3 });
    class Mine extends Error {}
    const src = datasetSource(ds, (e) => (e instanceof DataError ? new Mine(`data.path: ${e.message}`) : e));
    await src.prefetch([0, 4, 99]); // cases 0 and 1; an index outside the source is ignored
    assert.equal(ds.reads, 2);
    const saved = files.map((f) => readFileSync(f));
    files.forEach((f) => rmSync(f));
    assert.equal((await src.read([1, 7, 0])).length, 3);
    await assert.rejects(
      src.read([8]),
      (e: unknown) =>
        e instanceof Mine && /^data\.path: case 'phantom_002': .*phantom_002\.nii\.gz: cannot read the file \(ENOENT\)/.test(e.message),
    );
    await assert.rejects(src.prefetch([9]), (e: unknown) => e instanceof Mine);
    files.forEach((f, i) => writeFileSync(f, saved[i]));
    assert.equal((await src.read([9])).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
