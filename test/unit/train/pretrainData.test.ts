import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { caseToSlices, splitByCase } from '../../../src/core/data/preprocess';
import { DataConfigError, intensityPreset, loadPretrainData } from '../../../src/core/train/data';
import { Rng } from '../../../src/core/util/rng';
import { tinyConfig } from './helpers';

// Pretraining's phantom data goes through the streaming dataset (cases generated on demand into an LRU
// of prepared slices). Its slices must equal, number for number and in the same order, the
// whole-volume path the run used before (caseToSlices per generated case, split by case), so a seed
// gives the same run.
for (const foregroundOnly of [false, true]) {
  test(`phantom pretraining data through the dataset equals the whole-volume path (foregroundOnly ${foregroundOnly})`, async () => {
    const c = tinyConfig((c) => {
      c.data.source = 'phantom';
      c.data.phantom = { cases: 5, slices: 6, seed: 4 };
      c.data.size = 24;
      c.data.heldOutFraction = 0.2;
      c.data.foregroundOnly = foregroundOnly;
    });
    const data = loadPretrainData(c);
    const byCase = new Map<string, Float32Array[]>();
    for (let i = 0; i < 5; i++) {
      const pc = generatePhantomCase(i, { seed: 4, shape: [64, 64, 6] });
      const slices = caseToSlices(pc.id, pc.image, foregroundOnly ? pc.label : undefined, {
        intensity: intensityPreset(c),
        size: [24, 24],
        minForegroundPixels: foregroundOnly ? 1 : 0,
      });
      byCase.set(
        pc.id,
        slices.map((s) => s.image.data),
      );
    }
    const split = splitByCase([...byCase.keys()], { train: 0.8, val: 0.2 }, c.seed);
    assert.deepEqual(data.trainCases, split.train);
    assert.deepEqual(data.heldOutCases, split.val);
    const want = split.train.flatMap((id) => byCase.get(id)!);
    const wantHeld = split.val.flatMap((id) => byCase.get(id)!);
    assert.equal(data.train.count, want.length);
    assert.equal(data.heldOut.count, wantHeld.length);
    if (!foregroundOnly) assert.equal(want.length, 4 * 6);
    else assert.ok(want.length <= 4 * 6 && want.length > 0, `${want.length} foreground slices`);
    const train = await data.train.read(want.map((_, i) => i));
    const held = await data.heldOut.read(wantHeld.map((_, i) => i));
    want.forEach((d, i) => assert.deepEqual(train[i].data, d, `training slice ${i}`));
    wantHeld.forEach((d, i) => assert.deepEqual(held[i].data, d, `held-out slice ${i}`));
  });
}

test('prefetch prepares the cases of the next batch in the background; reading them then needs no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-prefetch-'));
  try {
    const root = path.join(dir, 'Task97_Phantom');
    writePhantomMsd(root, { cases: 4, seed: 2, shape: [32, 32, 5] });
    const c = tinyConfig((c) => {
      c.data.source = 'folder';
      c.data.path = root;
      c.data.heldOutFraction = 0.25;
    });
    const data = loadPretrainData(c);
    assert.equal(data.train.count, 15);
    await data.train.prefetch([0, 7, 14]); // one slice of each of the three training cases
    // The cases are prepared and cached: reading needs no file any more.
    const files = data.trainCases.map((id) => path.join(root, 'imagesTr', `${id}.nii.gz`));
    const saved = files.map((f) => readFileSync(f));
    for (const f of files) rmSync(f);
    for (const s of await data.train.read([0, 3, 7, 14])) {
      assert.deepEqual([s.width, s.height], [16, 16]);
      assert.ok(s.data.some((v) => v > 0.2));
    }
    files.forEach((f, i) => writeFileSync(f, saved[i]));
    // A bad case found by a prefetch is the run's DataConfigError naming it.
    const f = path.join(root, 'imagesTr', `${data.trainCases[0]}.nii.gz`);
    const bad = loadPretrainData(c);
    writeFileSync(f, readFileSync(f).subarray(0, 200));
    const named = (e: unknown) => e instanceof DataConfigError && new RegExp(`^data\\.path: case '${data.trainCases[0]}'`).test(e.message);
    await assert.rejects(bad.train.prefetch([0]), named);
    await assert.rejects(bad.train.read([1, 0]), named);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('epochOrder of the training slices: the plain global shuffle when the cases fit in the cache (runs unchanged), case windows when they do not', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-order-'));
  try {
    const root = path.join(dir, 'Task96_Phantom');
    writePhantomMsd(root, { cases: 8, seed: 6, shape: [32, 32, 5] });
    const c = tinyConfig((c) => {
      c.data.source = 'folder';
      c.data.path = root;
      c.data.heldOutFraction = 0.25;
    });
    const ident = (n: number) => Array.from({ length: n }, (_, i) => i);
    const fits = loadPretrainData(c);
    assert.equal(fits.train.count, 30);
    const a = new Rng(11);
    const b = new Rng(11);
    assert.deepEqual(
      fits.train.epochOrder((x) => a.shuffle(x)),
      b.shuffle(ident(30)),
    );
    // A cache of two cases (5 slices of 16×16 float32 each): windows of one case, every slice once.
    const small = loadPretrainData(c, { cacheBytes: 2 * 5 * 16 * 16 * 4 });
    const r = new Rng(11);
    const order = small.train.epochOrder((x) => r.shuffle(x));
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      ident(30),
    );
    const caseOf = (i: number) => Math.floor(i / 5); // slices are indexed case by case, 5 per case
    for (let g = 0; g < 30; g += 5)
      assert.equal(new Set(order.slice(g, g + 5).map(caseOf)).size, 1, `window ${g / 5}: ${order.slice(g, g + 5)}`);
    assert.notDeepEqual(order, ident(30));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
