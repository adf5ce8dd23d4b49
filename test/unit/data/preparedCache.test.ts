import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phantomIndex, type DatasetOptions } from '../../../src/core/data/caseIndex';
import { DataError } from '../../../src/core/data/errors';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { PreparedCache, prepareCase } from '../../../src/core/data/preparedCache';
import { caseToSlices } from '../../../src/core/data/preprocess';
import type { Volume } from '../../../src/core/data/volume';

const OPTS: DatasetOptions = { intensity: { kind: 'abdomen' }, size: [8, 8] };
const SHAPE: [number, number, number] = [16, 12, 4];

test('PreparedCache: an LRU of prepared cases; concurrent misses of one case share one read', async () => {
  const cache = new PreparedCache(phantomIndex(4, { seed: 3, shape: SHAPE }), OPTS, 2);
  const [a, b] = await Promise.all([cache.get(1), cache.get(1)]);
  assert.equal(a, b);
  assert.equal(cache.reads, 1);
  const pc = generatePhantomCase(1, { seed: 3, shape: SHAPE });
  assert.deepEqual(
    [...a.images.values()],
    caseToSlices(pc.id, pc.image, undefined, { ...OPTS }).map((s) => s.image),
  );
  assert.equal(a.labels, undefined);
  cache.getSync(2);
  assert.equal(cache.cached(1), a, 'still cached, now the most recent');
  cache.getSync(3); // evicts 2, the least recent
  assert.equal(cache.size, 2);
  assert.equal(cache.cached(2), undefined);
  assert.equal(cache.getSync(1), a);
  assert.equal(cache.reads, 3);
});

test('prepareCase: served slices only, labels on request; NaN voxels and a label on another grid are DataErrors naming case and file', () => {
  const [c] = phantomIndex(1, { seed: 5, shape: SHAPE });
  const pc = generatePhantomCase(0, { seed: 5, shape: SHAPE });
  const served = { ...c, slices: [1, 3] };
  const p = prepareCase(served, { volume: { image: pc.image, label: pc.label } }, { ...OPTS, labels: true });
  const want = caseToSlices(pc.id, pc.image, pc.label, OPTS);
  assert.deepEqual([...p.images.keys()], [1, 3]);
  assert.deepEqual(p.images.get(3), want[3].image);
  assert.deepEqual(p.labels!.get(1), want[1].label);

  const nan: Volume & { nanCount: number } = { ...pc.image, nanCount: 2 };
  const file = { ...c, kind: 'nifti' as const, images: ['/data/imagesTr/x.nii.gz'], labels: ['/data/labelsTr/x.nii.gz'] };
  assert.throws(
    () => prepareCase(file, { volume: { image: nan } }, OPTS),
    (e: unknown) => e instanceof DataError && /^case 'phantom_000': x\.nii\.gz: 2 NaN voxels/.test(e.message),
  );
  const shifted: Volume = { ...pc.label, affine: pc.label.affine.map((r, i) => (i === 0 ? [r[0], r[1], r[2], r[3] + 5] : r)) };
  assert.throws(
    () => prepareCase(file, { volume: { image: pc.image, label: shifted } }, { ...OPTS, labels: true }),
    (e: unknown) => e instanceof DataError && /x\.nii\.gz: image grid 16×12×4 and label grid 16×12×4 differ/.test(e.message),
  );
  assert.throws(
    () => prepareCase({ ...file, depth: 5 }, { volume: { image: pc.image } }, OPTS),
    (e: unknown) => e instanceof DataError && /has 4 axial slices, its header announced 5/.test(e.message),
  );
});
