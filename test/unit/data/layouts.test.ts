import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { detectLayout, sliceCaseId } from '../../../src/core/data/layouts';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { huSliceTo16BitPng, encodeGrayPng } from '../../../src/core/data/png';
import { axialSlice, reorientToRAS, type Volume } from '../../../src/core/data/volume';
import { inspectCommand } from '../../../src/cli/commands/inspect';

const SHAPE: [number, number, number] = [24, 24, 6];
const phantom = (i: number) => generatePhantomCase(i, { seed: 11, shape: SHAPE });
const nii = (v: Volume, datatype: 'int16' | 'uint8' = 'int16') => encodeNifti(v, { datatype });

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'medssl-layout-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function write(file: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

async function runInspect(p: string, json = true): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await inspectCommand(
    { path: p, json },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('slice file names → case ids', () => {
  assert.equal(sliceCaseId('case01_012.png'), 'case01');
  assert.equal(sliceCaseId('img0003_slice_045.png'), 'img0003');
  assert.equal(sliceCaseId('patient-7-0001.png'), 'patient-7');
  assert.equal(sliceCaseId('lonely.png'), 'lonely');
});

test(
  'MSD (the phantom) is detected and inspects clean: exit 0, label names from dataset.json, LPS stored',
  withDir(async (dir) => {
    const root = path.join(dir, 'Task01_Phantom');
    writePhantomMsd(root, { cases: 2, seed: 11, shape: SHAPE });
    write(path.join(root, 'imagesTr', '._phantom_000.nii.gz'), 'macOS resource fork'); // ignored
    const l = detectLayout(root);
    assert.equal(l.kind, 'msd');
    assert.deepEqual(
      l.cases.map((c) => c.id),
      ['phantom_000', 'phantom_001'],
    );
    assert.equal(l.labelNames?.[4], 'kidney_left');
    const r = await runInspect(root);
    assert.equal(r.code, 0, r.out + r.err);
    const rep = JSON.parse(r.out);
    assert.equal(rep.layout, 'msd');
    assert.equal(rep.cases[0].orientation, 'LPS');
    assert.deepEqual(rep.cases[0].shape, [24, 24, 6]);
    assert.deepEqual(rep.cases[0].spacing, [16.6667, 16.6667, 40]);
    assert.ok(rep.summary.intensityMin < -900 && rep.summary.intensityMax > 300);
    assert.ok(rep.summary.labelValues.includes(0) && rep.summary.labelValues.includes(1));
    const text = await runInspect(root, false);
    assert.match(text.out, /layout: msd \(volumes\), 2 cases, labelled/);
    assert.match(text.out, /label values: 0 background, 1 liver/);
    assert.match(text.out, /no problems found/);
  }),
);

test(
  'nnU-Net v2, BTCV, AbdomenCT-1K, paired slice folders and unlabelled folders are told apart',
  withDir(async (dir) => {
    const c0 = phantom(0);
    const c1 = phantom(1);
    // nnU-Net v2
    const nn = path.join(dir, 'Dataset001_Abd');
    write(
      path.join(nn, 'dataset.json'),
      JSON.stringify({
        channel_names: { '0': 'CT' },
        labels: { background: 0, liver: 1, spleen: 2 },
        numTraining: 2,
        file_ending: '.nii.gz',
      }),
    );
    for (const [i, c] of [c0, c1].entries()) {
      write(path.join(nn, 'imagesTr', `abd_${i}_0000.nii.gz`), nii(c.image));
      write(path.join(nn, 'labelsTr', `abd_${i}.nii.gz`), nii(c.label, 'uint8'));
    }
    const lnn = detectLayout(nn);
    assert.equal(lnn.kind, 'nnunet-v2');
    assert.deepEqual(
      lnn.cases.map((c) => c.id),
      ['abd_0', 'abd_1'],
    );
    assert.equal(lnn.labelNames?.[2], 'spleen');
    assert.deepEqual(lnn.problems, []);
    // BTCV
    const bt = path.join(dir, 'btcv');
    write(path.join(bt, 'RawData/Training/img/img0001.nii.gz'), nii(c0.image));
    write(path.join(bt, 'RawData/Training/label/label0001.nii.gz'), nii(c0.label, 'uint8'));
    const lbt = detectLayout(bt);
    assert.equal(lbt.kind, 'btcv');
    assert.deepEqual(
      lbt.cases.map((c) => c.id),
      ['img0001'],
    );
    assert.equal(lbt.labelNames?.[6], 'liver');
    // AbdomenCT-1K
    const ak = path.join(dir, 'AbdomenCT-1K');
    write(path.join(ak, 'AbdomenCT-1K-ImagePart1/Case_00001_0000.nii.gz'), nii(c0.image));
    write(path.join(ak, 'Mask/Case_00001.nii.gz'), nii(c0.label, 'uint8'));
    const lak = detectLayout(ak);
    assert.equal(lak.kind, 'abdomenct-1k');
    assert.deepEqual(
      lak.cases.map((c) => c.id),
      ['Case_00001'],
    );
    // Paired slice folders (16-bit HU+1024 images, 8-bit labels)
    const sf = path.join(dir, 'slices');
    const img = reorientToRAS(c0.image);
    const lab = reorientToRAS(c0.label);
    for (const k of [0, 1, 2]) {
      write(path.join(sf, 'images', `p01_${k}.png`), huSliceTo16BitPng(axialSlice(img, k)));
      const ls = axialSlice(lab, k);
      write(
        path.join(sf, 'labels', `p01_${k}.png`),
        encodeGrayPng({ width: ls.width, height: ls.height, depth: 8, data: Uint8Array.from(ls.data) }),
      );
    }
    const lsf = detectLayout(sf);
    assert.equal(lsf.kind, 'slice-folders');
    assert.deepEqual(
      lsf.cases.map((c) => [c.id, c.images.length]),
      [['p01', 3]],
    );
    const rs = JSON.parse((await runInspect(sf)).out);
    assert.deepEqual(rs.cases[0].shape, [24, 24, 3]);
    assert.ok(rs.cases[0].intensity.min < 100, 'air is HU −1000 → 16-bit value near 24');
    // Unlabelled volumes
    const un = path.join(dir, 'unlabelled');
    write(path.join(un, 'a/scan1.nii.gz'), nii(c0.image));
    write(path.join(un, 'scan2.nii'), encodeNifti(c1.image, { datatype: 'int16', gzip: false }));
    const lun = detectLayout(un);
    assert.equal(lun.kind, 'unlabelled');
    assert.deepEqual(
      lun.cases.map((c) => c.id),
      ['a/scan1', 'scan2'],
    );
    assert.equal((await runInspect(un)).code, 0);
  }),
);

test(
  'inspect lists every problem at once, each naming case and file, and exits 2',
  withDir(async (dir) => {
    const root = path.join(dir, 'Task02_Broken');
    writePhantomMsd(root, { cases: 9, seed: 11, shape: SHAPE });
    const tr = (f: string) => path.join(root, f);
    // phantom_000: truncated gzip
    const b0 = readFileSync(tr('imagesTr/phantom_000.nii.gz'));
    writeFileSync(tr('imagesTr/phantom_000.nii.gz'), b0.subarray(0, b0.length >> 1));
    // phantom_001: not a NIfTI file at all
    writeFileSync(tr('imagesTr/phantom_001.nii.gz'), gzipSync(Buffer.from('<html>404 Not Found</html>'.padEnd(400, ' '))));
    // phantom_002: label on a different grid
    const c2 = phantom(2);
    writeFileSync(
      tr('labelsTr/phantom_002.nii.gz'),
      nii({ ...c2.label, shape: [24, 24, 5], data: c2.label.data.subarray(0, 24 * 24 * 5) }, 'uint8'),
    );
    // phantom_003: NaN voxels (float32 image)
    const c3 = phantom(3);
    const d3 = c3.image.data.slice();
    d3[5] = NaN;
    d3[77] = NaN;
    writeFileSync(tr('imagesTr/phantom_003.nii.gz'), encodeNifti({ ...c3.image, data: d3 }, { datatype: 'float32' }));
    // phantom_004: unexpected label value 42
    const c4 = phantom(4);
    const l4 = c4.label.data.slice();
    l4[100] = 42;
    writeFileSync(tr('labelsTr/phantom_004.nii.gz'), nii({ ...c4.label, data: l4 }, 'uint8'));
    // phantom_005: all-zero label
    writeFileSync(tr('labelsTr/phantom_005.nii.gz'), nii({ ...phantom(5).label, data: new Float32Array(24 * 24 * 6) }, 'uint8'));
    // phantom_006: label missing
    rmSync(tr('labelsTr/phantom_006.nii.gz'));
    // phantom_007: 4-D image (two frames)
    const four = encodeNifti(phantom(7).image, { datatype: 'int16', gzip: false });
    const dv = new DataView(four.buffer, four.byteOffset);
    dv.setInt16(40, 4, true);
    dv.setInt16(48, 2, true);
    writeFileSync(tr('imagesTr/phantom_007.nii.gz'), gzipSync(Buffer.concat([four, four.subarray(352)])));
    // an image nobody listed in dataset.json
    copyFileSync(tr('imagesTr/phantom_008.nii.gz'), tr('imagesTr/extra_009.nii.gz'));

    const r = await runInspect(root, false);
    assert.equal(r.code, 2, r.out + r.err);
    const expected: Array<[string, RegExp]> = [
      ["case 'phantom_000', imagesTr/phantom_000.nii.gz", /truncated gzip/],
      ["case 'phantom_001', imagesTr/phantom_001.nii.gz", /not a NIfTI file: the first 4 bytes/],
      ["case 'phantom_002', labelsTr/phantom_002.nii.gz", /label grid 24×24×5 differs from image grid 24×24×6/],
      ["case 'phantom_003', imagesTr/phantom_003.nii.gz", /2 NaN voxels/],
      ["case 'phantom_004', labelsTr/phantom_004.nii.gz", /unexpected label values \[42\]/],
      ["case 'phantom_005', labelsTr/phantom_005.nii.gz", /label map is all zero/],
      ["case 'phantom_006', labelsTr/phantom_006.nii.gz", /label listed in dataset.json .* but missing/],
      ["case 'phantom_007', imagesTr/phantom_007.nii.gz", /4-D image with shape \[24, 24, 6, 2\] \(2 frames\); a CT volume must be 3-D/],
      ["case 'extra_009', imagesTr/extra_009.nii.gz", /not listed in dataset.json/],
    ];
    const lines = r.err.split('\n');
    assert.match(lines[0], /^9 problems in /);
    for (const [where, what] of expected) {
      assert.ok(
        lines.some((l) => l.includes(where) && what.test(l)),
        `missing: ${where} ${what}\n${r.err}`,
      );
    }
    assert.equal(lines.length, 1 + expected.length, r.err);
    // The readable cases are still reported.
    assert.match(r.out, /phantom_008: 24×24×6/);
    const j = JSON.parse((await runInspect(root, true)).out);
    assert.equal(j.problems.length, 9);
    assert.equal(j.cases.find((c: { id: string }) => c.id === 'phantom_008').ok, true);
    assert.equal(j.cases.find((c: { id: string }) => c.id === 'phantom_004').ok, false);
  }),
);

test(
  'an empty folder and a missing path are problems (exit 2), not crashes',
  withDir(async (dir) => {
    const r = await runInspect(dir, false);
    assert.equal(r.code, 2);
    assert.match(r.err, /no images found: expected \.nii\/\.nii\.gz volumes, DICOM series folders or \.png slices/);
    const m = await runInspect(path.join(dir, 'nope'), false);
    assert.equal(m.code, 2);
    assert.match(m.err, /nope: does not exist/);
    write(path.join(dir, 'bad', 'dataset.json'), '{ "training": [ }');
    const b = await runInspect(path.join(dir, 'bad'), false);
    assert.equal(b.code, 2);
    assert.match(b.err, /  dataset\.json(:1:\d+)?: invalid JSON/);
  }),
);
