import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTHORS_ZSCORE, caseToSlices, normalizeIntensity, resizeSlice, splitByCase } from '../../../src/core/data/preprocess';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { DataError } from '../../../src/core/data/errors';

const hu = new Float32Array([-1000, -175, -125, -160, 0, 37.5, 240, 250, 275, 3000]);
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) <= tol, `[${i}] ${a[i]} vs ${x}`));

test('HU windows: abdomen [-175,250], TransUNet [-125,275], W400/L40 = [-160,240], clipped and scaled to [0,1]', () => {
  close(normalizeIntensity(hu, { kind: 'abdomen' }), [0, 0, 50 / 425, 15 / 425, 175 / 425, 212.5 / 425, 415 / 425, 1, 1, 1]);
  close(normalizeIntensity(hu, { kind: 'transunet' }), [0, 0, 0, 0, 125 / 400, 162.5 / 400, 365 / 400, 375 / 400, 1, 1]);
  close(normalizeIntensity(hu, { kind: 'w400l40' }), [0, 0, 35 / 400, 0, 160 / 400, 197.5 / 400, 1, 1, 1, 1]);
  close(normalizeIntensity(hu, { kind: 'window', lo: -1000, hi: 1000 }), [0, 0.4125, 0.4375, 0.42, 0.5, 0.51875, 0.62, 0.625, 0.6375, 1]);
  assert.throws(() => normalizeIntensity(hu, { kind: 'window', lo: 5, hi: 5 }), /empty/);
});

test('z-score as the authors did: (HU + 1024 − 884.5) / 983.7, no clipping', () => {
  const z = normalizeIntensity(hu, AUTHORS_ZSCORE);
  close(
    z,
    Array.from(hu, (x) => (x + 1024 - 884.5) / 983.7),
    1e-6,
  );
  close(normalizeIntensity(new Float32Array([10, 30]), { kind: 'zscore', mean: 20, std: 10 }), [-1, 1]);
  assert.throws(() => normalizeIntensity(hu, { kind: 'zscore', mean: 0, std: 0 }), /std must be positive/);
});

test('resize: bilinear reproduces a linear ramp, downsampling by 2 averages pixel pairs, nearest keeps label values', () => {
  // 4×2 ramp 0..3 along x. Upsample to 8: sample positions (c+0.5)/2 − 0.5, clamped at the edges.
  const ramp = { data: new Float32Array([0, 1, 2, 3, 0, 1, 2, 3]), width: 4, height: 2 };
  close(resizeSlice(ramp, 8, 2, 'linear').data, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
  close(resizeSlice(ramp, 2, 1, 'linear').data, [0.5, 2.5]);
  const lab = { data: new Float32Array([0, 3, 3, 7, 0, 3, 3, 7]), width: 4, height: 2 };
  const up = resizeSlice(lab, 7, 5, 'nearest');
  assert.deepEqual(new Set(up.data), new Set([0, 3, 7]));
  assert.deepEqual(Array.from(resizeSlice(lab, 2, 1, 'nearest').data), [3, 7]);
});

test('case → axial slices: resized, normalised, foreground filter keeps only slices with labels', () => {
  const c = generatePhantomCase(0, { seed: 3, shape: [64, 64, 16] });
  const all = caseToSlices(c.id, c.image, c.label, { intensity: { kind: 'abdomen' }, size: [32, 32] });
  assert.equal(all.length, 16);
  assert.equal(all[0].image.width, 32);
  assert.ok(all.every((s) => s.image.data.every((v) => v >= 0 && v <= 1)));
  const labels = new Set(all.flatMap((s) => Array.from(s.label!.data)));
  assert.ok(
    [...labels].every((v) => Number.isInteger(v) && v >= 0 && v <= 10),
    `labels ${[...labels]}`,
  );
  const fg = caseToSlices(c.id, c.image, c.label, { intensity: { kind: 'abdomen' }, size: [32, 32], minForegroundPixels: 1e9 });
  assert.equal(fg.length, 0);
  const some = caseToSlices(c.id, c.image, c.label, { intensity: { kind: 'abdomen' }, minForegroundPixels: 1 });
  assert.ok(some.length > 0 && some.every((s) => s.label!.data.some((v) => v !== 0)));
  const bad = { ...c.label, shape: [64, 64, 15] as [number, number, number], data: c.label.data.subarray(0, 64 * 64 * 15) };
  assert.throws(
    () => caseToSlices('case_9', c.image, bad, { intensity: { kind: 'abdomen' } }),
    (e: unknown) => e instanceof DataError && /case 'case_9'.*grid 64×64×16 and label grid 64×64×15 differ/.test(e.message),
  );
});

test('split by case: disjoint, complete, seeded, independent of input order; slices never straddle splits', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `case_${String(i).padStart(2, '0')}`);
  const a = splitByCase(ids, { train: 0.7, val: 0.1, test: 0.2 }, 42);
  assert.deepEqual([a.train.length, a.val.length, a.test.length], [14, 2, 4]);
  assert.deepEqual([...a.train, ...a.val, ...a.test].sort(), ids);
  assert.deepEqual(splitByCase([...ids].reverse(), { train: 0.7, val: 0.1, test: 0.2 }, 42), a);
  assert.notDeepEqual(splitByCase(ids, { train: 0.7, val: 0.1, test: 0.2 }, 43), a);
  const tiny = splitByCase(['a', 'b', 'c'], { train: 0.9, test: 0.1 }, 1);
  assert.equal(tiny.test.length, 1);
  assert.throws(() => splitByCase(['a', 'a'], { train: 1 }, 1), /unique/);
  // Slices inherit their case's split.
  const slices = ids.flatMap((id) => [0, 1, 2].map((z) => ({ caseId: id, z })));
  const trainSet = new Set(a.train);
  const testSet = new Set(a.test);
  const trainSlices = slices.filter((s) => trainSet.has(s.caseId));
  assert.ok(trainSlices.every((s) => !testSet.has(s.caseId)));
});
