import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../../src/core/data/errors';
import { SliceDataset, type LoadedSlice } from '../../../src/core/data/dataset';
import { encodeNifti, readNiftiFile } from '../../../src/core/data/nifti';
import { readNiftiHeaderOnly } from '../../../src/core/data/niftiHeader';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { encodeGrayPng } from '../../../src/core/data/png';
import { caseToSlices, normalizeIntensity, resizeSlice } from '../../../src/core/data/preprocess';

const SHAPE: [number, number, number] = [32, 32, 6];
const ABDOMEN = { kind: 'abdomen' } as const;

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'medssl-loader-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const key = (s: LoadedSlice) => `${s.caseId}/${s.z}`;
const all = (ds: SliceDataset) => Array.from({ length: ds.length }, (_, i) => i);

test(
  'phantom MSD folder: index from headers only, on-demand reads equal caseToSlices, one read per case, splits by case',
  withDir(async (dir) => {
    const root = path.join(dir, 'Task99_Phantom');
    writePhantomMsd(root, { cases: 4, seed: 5, shape: SHAPE });
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], labels: true, cacheCases: 2 });
    assert.equal(ds.layout, 'msd');
    assert.deepEqual(ds.caseIds, ['phantom_000', 'phantom_001', 'phantom_002', 'phantom_003']);
    assert.equal(ds.length, 4 * 6);
    assert.equal(ds.reads, 0, 'opening reads headers only');
    assert.equal(readNiftiHeaderOnly(path.join(root, 'imagesTr', 'phantom_000.nii.gz')).dims[3], 6);

    // Values equal the engine's one preprocessing path on the fully read volume.
    const img = await readNiftiFile(path.join(root, 'imagesTr', 'phantom_002.nii.gz'));
    const lab = await readNiftiFile(path.join(root, 'labelsTr', 'phantom_002.nii.gz'));
    const ref = caseToSlices('phantom_002', img, lab, { intensity: ABDOMEN, size: [16, 16] });
    const i = ds.refs.findIndex((r) => ds.cases[ds.caseIndices.indexOf(r.caseIndex)].id === 'phantom_002' && r.z === 3);
    const s = ds.getSync(i);
    assert.equal(s.caseId, 'phantom_002');
    assert.deepEqual(s.image, ref[3].image);
    assert.deepEqual(s.label, ref[3].label);
    assert.deepEqual((await ds.get(i)).image, ref[3].image);
    assert.ok(s.label!.data.some((v) => v > 0) && s.image.data.every((v) => v >= 0 && v <= 1));

    // A read of slices from several cases, in any order: each case read once (concurrent misses share
    // one read), the slices in the order asked, equal to single reads.
    const fresh = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], cacheCases: 2 });
    const got = await fresh.read([13, 0, 7, 12, 1]);
    assert.equal(fresh.reads, 3);
    assert.deepEqual(got.map(key), ['phantom_002/1', 'phantom_000/0', 'phantom_001/1', 'phantom_002/0', 'phantom_000/1']);
    assert.deepEqual(got[2].image, ds.getSync(7).image);
    // The cache keeps the two most recently used cases.
    const lru = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], cacheCases: 2 });
    for (const i of [0, 6, 1, 12, 0]) lru.getSync(i); // phantom_001 is the least recent when phantom_002 comes
    assert.equal(lru.reads, 3);
    lru.getSync(6);
    assert.equal(lru.reads, 4);
    await assert.rejects(fresh.read([0, 24]), (e: unknown) => e instanceof RangeError && /slice 24 is outside 0\.\.23/.test(e.message));

    // Split by case: disjoint case sets, every slice of a case on one side; subsets share the cache.
    const sp = ds.split({ train: 0.75, val: 0.25 }, 7);
    assert.equal(sp.train.caseIds.length + sp.val.caseIds.length, 4);
    assert.ok(sp.val.caseIds.every((id) => !sp.train.caseIds.includes(id)));
    assert.equal(sp.train.length, 6 * sp.train.caseIds.length);
    assert.ok((await sp.val.read(all(sp.val))).every((x) => sp.val.caseIds.includes(x.caseId)));

    // Foreground filtering drops slices without labels (index built from the labels).
    const fg = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], minForegroundPixels: 1 });
    assert.ok(fg.length > 0 && fg.length <= ds.length);
    for (let k = 0; k < fg.length; k++)
      assert.ok(
        ds
          .getSync(
            ds.refs.findIndex(
              (r) => ds.cases[r.caseIndex].id === fg.cases[fg.caseIndices.indexOf(fg.refs[k].caseIndex)].id && r.z === fg.refs[k].z,
            ),
          )
          .label!.data.some((v) => v > 0),
      );
  }),
);

test('built-in phantom as a dataset: cases generated on demand equal caseToSlices of the generator', async () => {
  const ds = SliceDataset.phantom(3, { seed: 2, shape: [24, 24, 4] }, { intensity: ABDOMEN, size: [12, 12], cacheCases: 1 });
  assert.equal(ds.length, 12);
  const pc = generatePhantomCase(1, { seed: 2, shape: [24, 24, 4] });
  const ref = caseToSlices(pc.id, pc.image, undefined, { intensity: ABDOMEN, size: [12, 12] });
  assert.deepEqual(ds.getSync(4 + 2).image, ref[2].image);
  const b = await ds.read(all(ds));
  assert.equal(new Set(b.map(key)).size, 12);
  assert.equal(ds.reads, 3, 'case 1, generated for getSync, was cached; cases 0 and 2 generated once each');
});

test(
  'paired PNG slice folder (16-bit HU+1024 images, 8-bit labels): cases from file names, HU windowed, labels nearest, split by case',
  withDir(async (dir) => {
    const W = 8;
    const H = 6;
    // case "ab" slices 0..2, case "cd" slices 0..1; image value = HU 100·z − 200 + 10·x; label 1 on the left half except slice 0.
    const cases: Record<string, number> = { ab: 3, cd: 2 };
    for (const [id, n] of Object.entries(cases)) {
      for (let z = 0; z < n; z++) {
        const img = new Uint16Array(W * H);
        const lab = new Uint8Array(W * H);
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            img[x + W * y] = 1024 + 100 * z - 200 + 10 * x;
            lab[x + W * y] = z > 0 && x < W / 2 ? (id === 'ab' ? 1 : 2) : 0;
          }
        mkdirSync(path.join(dir, 'images'), { recursive: true });
        mkdirSync(path.join(dir, 'labels'), { recursive: true });
        writeFileSync(
          path.join(dir, 'images', `${id}_${String(z).padStart(3, '0')}.png`),
          encodeGrayPng({ width: W, height: H, depth: 16, data: img }),
        );
        writeFileSync(
          path.join(dir, 'labels', `${id}_${String(z).padStart(3, '0')}.png`),
          encodeGrayPng({ width: W, height: H, depth: 8, data: lab }),
        );
      }
    }
    const ds = SliceDataset.open(dir, { intensity: ABDOMEN, labels: true, cacheCases: 1 });
    assert.equal(ds.layout, 'slice-folders');
    assert.deepEqual(ds.caseIds, ['ab', 'cd']);
    assert.equal(ds.length, 5);
    assert.equal(ds.reads, 0);
    const s = ds.getSync(2); // ab, z = 2
    assert.equal(s.caseId, 'ab');
    assert.equal(s.z, 2);
    const hu = Float32Array.from({ length: W * H }, (_, i) => 100 * 2 - 200 + 10 * (i % W));
    assert.deepEqual(s.image.data, normalizeIntensity(hu, ABDOMEN));
    assert.deepEqual([...s.label!.data.subarray(0, W)], [1, 1, 1, 1, 0, 0, 0, 0]);
    // Resized: 4×3 (linear images, nearest labels).
    const small = SliceDataset.open(dir, { intensity: ABDOMEN, labels: true, size: [4, 3] });
    const r = small.getSync(4); // cd, z = 1
    assert.deepEqual(
      r.image,
      resizeSlice(
        {
          data: normalizeIntensity(
            Float32Array.from({ length: W * H }, (_, i) => -100 + 10 * (i % W)),
            ABDOMEN,
          ),
          width: W,
          height: H,
        },
        4,
        3,
        'linear',
      ),
    );
    assert.deepEqual([...r.label!.data], [2, 2, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0]);
    // Foreground filter: slice 0 of each case has an all-zero label.
    const fg = SliceDataset.open(dir, { intensity: ABDOMEN, minForegroundPixels: 1 });
    assert.deepEqual(
      fg.refs.map((x) => x.z),
      [1, 2, 1],
    );
    // Asynchronous reads give what synchronous ones do; split by case keeps a case's slices together.
    assert.deepEqual(
      (await ds.read(all(ds))).map((x) => [key(x), x.image.data, x.label!.data]),
      all(ds)
        .map((i) => ds.getSync(i))
        .map((x) => [key(x), x.image.data, x.label!.data]),
    );
    const sp = ds.split({ train: 0.5, val: 0.5 }, 1);
    assert.deepEqual([sp.train.length + sp.val.length, sp.train.caseIds.length, sp.val.caseIds.length], [5, 1, 1]);
  }),
);

test(
  'bad input through the dataset: problems at open name case and file; a file broken after opening fails the read naming case and file',
  withDir(async (dir) => {
    const root = path.join(dir, 'msd');
    writePhantomMsd(root, { cases: 3, seed: 1, shape: [16, 16, 4] });
    const f1 = path.join(root, 'imagesTr', 'phantom_001.nii.gz');
    // 4-D image: found from the header at open time.
    const four = encodeNifti(generatePhantomCase(1, { seed: 1, shape: [16, 16, 4] }).image, { datatype: 'int16', gzip: false });
    const dv = new DataView(four.buffer, four.byteOffset);
    dv.setInt16(40, 4, true);
    dv.setInt16(48, 2, true);
    const good = readFileSync(f1);
    writeFileSync(f1, gzipSync(Buffer.concat([four, four.subarray(352)])));
    assert.throws(
      () => SliceDataset.open(root, { intensity: ABDOMEN }),
      (e: unknown) => e instanceof DataError && /case 'phantom_001'/.test(e.message) && /phantom_001\.nii\.gz: 4-D image/.test(e.message),
    );
    // ignoreProblems skips the case.
    assert.deepEqual(SliceDataset.open(root, { intensity: ABDOMEN, ignoreProblems: true }).caseIds, ['phantom_000', 'phantom_002']);
    // A label missing when labels are needed.
    writeFileSync(f1, good);
    rmSync(path.join(root, 'labelsTr', 'phantom_002.nii.gz'));
    assert.throws(
      () => SliceDataset.open(root, { intensity: ABDOMEN, labels: true }),
      (e: unknown) => e instanceof DataError && /case 'phantom_002'/.test(e.message) && /label .* missing/.test(e.message),
    );
    // Truncated after the index was built: the header still parses, the read fails with a DataError.
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, ignoreProblems: false, labels: false });
    writeFileSync(f1, good.subarray(0, good.length >> 1));
    await assert.rejects(
      ds.read(all(ds)),
      (e: unknown) =>
        e instanceof DataError && /case 'phantom_001'/.test(e.message) && /phantom_001\.nii\.gz: truncated gzip/.test(e.message),
    );
    assert.throws(
      () => ds.getSync(5),
      (e: unknown) => e instanceof DataError && /case 'phantom_001'.*truncated gzip/.test(e.message),
    );
    // NaN voxels in a float image.
    const c0 = generatePhantomCase(0, { seed: 1, shape: [16, 16, 4] });
    const d = c0.image.data.slice();
    d[3] = NaN;
    writeFileSync(path.join(root, 'imagesTr', 'phantom_000.nii.gz'), encodeNifti({ ...c0.image, data: d }, { datatype: 'float32' }));
    // (phantom_000 is cached by now: a new dataset reads it again)
    assert.throws(
      () => SliceDataset.open(root, { intensity: ABDOMEN }).getSync(0),
      (e: unknown) => e instanceof DataError && /case 'phantom_000'.*phantom_000\.nii\.gz: 1 NaN voxels/.test(e.message),
    );
    // An empty folder.
    mkdirSync(path.join(dir, 'empty'));
    assert.throws(
      () => SliceDataset.open(path.join(dir, 'empty'), { intensity: ABDOMEN }),
      (e: unknown) => e instanceof DataError && /no images found/.test(e.message),
    );
  }),
);
