import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../../src/core/data/errors';
import { SliceDataset, prepareVolumeSlices, readNiftiHeaderOnly, type LoadedSlice } from '../../../src/core/data/loader';
import { encodeNifti, readNiftiFile } from '../../../src/core/data/nifti';
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

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const key = (s: LoadedSlice) => `${s.caseId}/${s.z}`;
const sum = (d: Float32Array) => d.reduce((a, b) => a + b, 0);

test(
  'phantom MSD folder: index from headers only, on-demand reads equal caseToSlices, LRU-friendly seeded epochs, prefetch does not change the numbers',
  withDir(async (dir) => {
    const root = path.join(dir, 'Task99_Phantom');
    writePhantomMsd(root, { cases: 4, seed: 5, shape: SHAPE });
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], labels: true, cacheCases: 2, shuffleWindow: 1 });
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

    // One epoch: batches of 5 → 4 full batches, no slice twice; with a window of one case and a cache
    // of two, every case is read exactly once per epoch.
    const fresh = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], cacheCases: 2, shuffleWindow: 1 });
    const tf = (sl: LoadedSlice[], r: { next(): number }) => sl.map((x) => sum(x.image.data) + r.next());
    const e0 = await collect(fresh.batches({ batchSize: 5, seed: 3, epoch: 0, prefetch: 2, transform: tf }));
    assert.equal(e0.length, 4);
    assert.equal(fresh.reads, 4);
    const seen = e0.flatMap((b) => b.slices.map(key));
    assert.equal(new Set(seen).size, 20);
    // The order is a shuffle, not the file order, and the same (seed, epoch) gives the same batches and
    // transform values whatever the prefetch depth.
    assert.notDeepEqual(seen, ds.refs.slice(0, 20).map((r) => `${ds.cases[r.caseIndex].id}/${r.z}`));
    const again = await collect(fresh.batches({ batchSize: 5, seed: 3, epoch: 0, prefetch: 0, transform: tf }));
    assert.deepEqual(again.map((b) => b.value), e0.map((b) => b.value));
    const e1 = await collect(fresh.batches({ batchSize: 5, seed: 3, epoch: 1, transform: tf }));
    assert.notDeepEqual(e1.flatMap((b) => b.slices.map(key)), seen);
    const all = await collect(fresh.batches({ batchSize: 5, seed: 3, dropLast: false }));
    assert.deepEqual(all.map((b) => b.slices.length), [5, 5, 5, 5, 4]);

    // Split by case: disjoint case sets, every slice of a case on one side; subsets share the cache.
    const sp = ds.split({ train: 0.75, val: 0.25 }, 7);
    assert.equal(sp.train.caseIds.length + sp.val.caseIds.length, 4);
    assert.ok(sp.val.caseIds.every((id) => !sp.train.caseIds.includes(id)));
    assert.equal(sp.train.length, 6 * sp.train.caseIds.length);
    const vb = await collect(sp.val.batches({ batchSize: 2, seed: 1 }));
    assert.ok(vb.flatMap((b) => b.slices).every((x) => sp.val.caseIds.includes(x.caseId)));

    // Foreground filtering drops slices without labels (index built from the labels).
    const fg = SliceDataset.open(root, { intensity: ABDOMEN, size: [16, 16], minForegroundPixels: 1 });
    assert.ok(fg.length > 0 && fg.length <= ds.length);
    for (let k = 0; k < fg.length; k++) assert.ok(ds.getSync(ds.refs.findIndex((r) => ds.cases[r.caseIndex].id === fg.cases[fg.caseIndices.indexOf(fg.refs[k].caseIndex)].id && r.z === fg.refs[k].z)).label!.data.some((v) => v > 0));
  }),
);

test('built-in phantom as a dataset: cases generated on demand equal caseToSlices of the generator', async () => {
  const ds = SliceDataset.phantom(3, { seed: 2, shape: [24, 24, 4] }, { intensity: ABDOMEN, size: [12, 12], cacheCases: 1 });
  assert.equal(ds.length, 12);
  const pc = generatePhantomCase(1, { seed: 2, shape: [24, 24, 4] });
  const ref = caseToSlices(pc.id, pc.image, undefined, { intensity: ABDOMEN, size: [12, 12] });
  assert.deepEqual(ds.getSync(4 + 2).image, ref[2].image);
  const b = await collect(ds.batches({ batchSize: 4, seed: 0 }));
  assert.equal(b.length, 3);
  assert.equal(new Set(b.flatMap((x) => x.slices.map(key))).size, 12);
});

test(
  'paired PNG slice folder (16-bit HU+1024 images, 8-bit labels): cases from file names, HU windowed, labels nearest, order seeded',
  withDir(async (dir) => {
    const W = 8;
    const H = 6;
    // case "ab" slices 0..2, case "cd" slices 0..1; image value = HU 100·z − 200 + 10·x; label 1 on the left half except slice 0.
    const cases: Record<string, number> = { ab: 3, cd: 2 };
    for (const [id, n] of Object.entries(cases)) {
      for (let z = 0; z < n; z++) {
        const img = new Uint16Array(W * H);
        const lab = new Uint8Array(W * H);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          img[x + W * y] = 1024 + 100 * z - 200 + 10 * x;
          lab[x + W * y] = z > 0 && x < W / 2 ? (id === 'ab' ? 1 : 2) : 0;
        }
        mkdirSync(path.join(dir, 'images'), { recursive: true });
        mkdirSync(path.join(dir, 'labels'), { recursive: true });
        writeFileSync(path.join(dir, 'images', `${id}_${String(z).padStart(3, '0')}.png`), encodeGrayPng({ width: W, height: H, depth: 16, data: img }));
        writeFileSync(path.join(dir, 'labels', `${id}_${String(z).padStart(3, '0')}.png`), encodeGrayPng({ width: W, height: H, depth: 8, data: lab }));
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
    assert.deepEqual(r.image, resizeSlice({ data: normalizeIntensity(Float32Array.from({ length: W * H }, (_, i) => -100 + 10 * (i % W)), ABDOMEN), width: W, height: H }, 4, 3, 'linear'));
    assert.deepEqual([...r.label!.data], [2, 2, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0]);
    // Foreground filter: slice 0 of each case has an all-zero label.
    const fg = SliceDataset.open(dir, { intensity: ABDOMEN, minForegroundPixels: 1 });
    assert.deepEqual(fg.refs.map((x) => x.z), [1, 2, 1]);
    // Seeded epochs over both cases; split by case keeps a case's slices together.
    const a = await collect(ds.batches({ batchSize: 2, seed: 9 }));
    const b = await collect(ds.batches({ batchSize: 2, seed: 9 }));
    assert.deepEqual(a.map((x) => x.slices.map(key)), b.map((x) => x.slices.map(key)));
    const sp = ds.split({ train: 0.5, val: 0.5 }, 1);
    assert.deepEqual([sp.train.length + sp.val.length, sp.train.caseIds.length, sp.val.caseIds.length], [5, 1, 1]);
  }),
);

test(
  'bad input through the loader: problems at open name case and file; a file broken after opening fails the batch naming case and file',
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
    assert.throws(() => SliceDataset.open(root, { intensity: ABDOMEN }), (e: unknown) => e instanceof DataError && /case 'phantom_001'/.test(e.message) && /phantom_001\.nii\.gz: 4-D image/.test(e.message));
    // ignoreProblems skips the case.
    assert.deepEqual(SliceDataset.open(root, { intensity: ABDOMEN, ignoreProblems: true }).caseIds, ['phantom_000', 'phantom_002']);
    // A label missing when labels are needed.
    writeFileSync(f1, good);
    rmSync(path.join(root, 'labelsTr', 'phantom_002.nii.gz'));
    assert.throws(() => SliceDataset.open(root, { intensity: ABDOMEN, labels: true }), (e: unknown) => e instanceof DataError && /case 'phantom_002'/.test(e.message) && /label .* missing/.test(e.message));
    // Truncated after the index was built: the header still parses, the read fails with a DataError.
    const ds = SliceDataset.open(root, { intensity: ABDOMEN, ignoreProblems: false, labels: false });
    writeFileSync(f1, good.subarray(0, good.length >> 1));
    await assert.rejects(collect(ds.batches({ batchSize: 12, seed: 0, shuffle: false })), (e: unknown) => e instanceof DataError && /case 'phantom_001'/.test(e.message) && /phantom_001\.nii\.gz: truncated gzip/.test(e.message));
    assert.throws(() => ds.getSync(5), (e: unknown) => e instanceof DataError && /case 'phantom_001'.*truncated gzip/.test(e.message));
    // NaN voxels in a float image.
    const c0 = generatePhantomCase(0, { seed: 1, shape: [16, 16, 4] });
    const d = c0.image.data.slice();
    d[3] = NaN;
    writeFileSync(path.join(root, 'imagesTr', 'phantom_000.nii.gz'), encodeNifti({ ...c0.image, data: d }, { datatype: 'float32' }));
    // (phantom_000 is cached by now: a new dataset reads it again)
    assert.throws(() => SliceDataset.open(root, { intensity: ABDOMEN }).getSync(0), (e: unknown) => e instanceof DataError && /case 'phantom_000'.*phantom_000\.nii\.gz: 1 NaN voxels/.test(e.message));
    // An empty folder.
    mkdirSync(path.join(dir, 'empty'));
    assert.throws(() => SliceDataset.open(path.join(dir, 'empty'), { intensity: ABDOMEN }), (e: unknown) => e instanceof DataError && /no images found/.test(e.message));
  }),
);

test('prepareVolumeSlices (the fused path the loader and the bench use) equals caseToSlices for a volume stored in another orientation', () => {
  const pc = generatePhantomCase(1, { seed: 3, shape: [24, 20, 5] });
  // store it LPS-like: flip x and y (the affine says so), as DICOM-derived NIfTI often is
  const [nx, ny, nz] = pc.image.shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[nx - 1 - x + nx * (ny - 1 - y + ny * z)] = pc.image.data[x + nx * (y + ny * z)];
  const a = pc.image.affine;
  const affine = [
    [-a[0][0], a[0][1], a[0][2], a[0][3] + a[0][0] * (nx - 1)],
    [a[1][0], -a[1][1], a[1][2], a[1][3] + a[1][1] * (ny - 1)],
    [a[2][0], a[2][1], a[2][2], a[2][3]],
    [0, 0, 0, 1],
  ];
  const flipped = { data, shape: pc.image.shape, spacing: pc.image.spacing, affine };
  const want = caseToSlices('c', pc.image, undefined, { intensity: ABDOMEN, size: [16, 12] }).map((s) => s.image.data);
  const got = prepareVolumeSlices(flipped, ABDOMEN, [16, 12]).map((s) => s.data);
  assert.equal(got.length, 5);
  got.forEach((g, z) => assert.deepEqual(g, want[z], `slice ${z}`));
  assert.deepEqual(prepareVolumeSlices(flipped, ABDOMEN, [16, 12], [3])[0].data, want[3]);
});
