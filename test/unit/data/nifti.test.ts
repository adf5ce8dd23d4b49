import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeNifti, readNifti, readNiftiFile } from '../../../src/core/data/nifti';
import { DataError } from '../../../src/core/data/errors';
import { applyAffine, orientationCode, worldToVoxel, type Affine, type Volume } from '../../../src/core/data/volume';
import { debianFile } from './debianFiles';

// Expected values below were computed independently with nibabel 5.0 (Debian python3-nibabel) by
// test/fixtures/data/nibabel-expectations.py, on nibabel.as_closest_canonical(img) (RAS+), which is
// the frame our reader returns. Voxel keys are canonical (i, j, k) indices.

const at = (v: Volume, i: number, j: number, k: number) => v.data[i + v.shape[0] * (j + v.shape[1] * k)];
function stats(v: Volume): { min: number; max: number; sum: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of v.data) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, sum };
}
function assertAffine(actual: Affine, expected: number[][], tol = 1e-3): void {
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      assert.ok(
        Math.abs(actual[r][c] - expected[r][c]) <= tol,
        `affine[${r}][${c}] = ${actual[r][c]}, expected ${expected[r][c]}\n${JSON.stringify(actual)}`,
      );
    }
}

// AAL atlas labels at MNI coordinates (nibabel: inverse canonical affine, rounded; then the label there).
const AAL_MNI: Array<{ name: string; world: [number, number, number]; voxel: [number, number, number]; label: number }> = [
  { name: 'Precentral_L', world: [-38, -20, 56], voxel: [52, 105, 127], label: 1 },
  { name: 'Precentral_R', world: [38, -20, 56], voxel: [128, 105, 127], label: 2 },
  { name: 'Hippocampus_L', world: [-26, -20, -12], voxel: [64, 105, 59], label: 37 },
  { name: 'Cerebelum_8_R', world: [24, -66, -30], voxel: [114, 59, 41], label: 100 },
  { name: 'Calcarine_L', world: [-8, -84, 8], voxel: [82, 41, 79], label: 43 },
];
const MNI_AFFINE = [
  [1, 0, 0, -90],
  [0, 1, 0, -125],
  [0, 0, 1, -71],
  [0, 0, 0, 1],
];

test('mricron aal.nii.gz: grid, label set and the AAL label at known MNI coordinates (values from nibabel)', async () => {
  const aal = await readNiftiFile(debianFile('aal'));
  assert.deepEqual(aal.shape, [181, 217, 181]);
  assertAffine(aal.affine, MNI_AFFINE);
  assert.equal(aal.storedOrientation, 'RAS');
  const labels = new Set(aal.data);
  assert.equal(labels.size, 117); // 0 and 1..116
  assert.equal(Math.max(...labels), 116);
  assert.equal(stats(aal).sum, 76656511);
  for (const p of AAL_MNI) {
    assert.deepEqual(worldToVoxel(aal.affine, p.world), p.voxel, p.name);
    assert.equal(at(aal, ...p.voxel), p.label, p.name);
  }
  // Left-right sanity independent of nibabel: x < 0 is the left hemisphere, where AAL uses odd labels.
  assert.equal(at(aal, ...worldToVoxel(aal.affine, [-38, -20, 56])) % 2, 1);
});

test('mricron ch2.nii.gz: same grid as aal, intensities at known voxels (values from nibabel)', async () => {
  const ch2 = await readNiftiFile(debianFile('ch2'));
  assert.deepEqual(ch2.shape, [181, 217, 181]);
  assertAffine(ch2.affine, MNI_AFFINE);
  assert.equal(ch2.header.datatype, 2);
  assert.deepEqual(stats(ch2), { min: 0, max: 254, sum: 317151210 });
  assert.equal(at(ch2, 90, 108, 90), 33);
  assert.equal(at(ch2, 60, 120, 100), 113);
  assert.equal(at(ch2, 10, 10, 10), 0);
});

test('aal stored with permuted and flipped axes (PSL) is reoriented back: every label lands on the same world point', async () => {
  // Independent of reorientToRAS: build a PSL-stored copy by explicit index arithmetic.
  const aal = await readNiftiFile(debianFile('aal'));
  const [nx, ny, nz] = aal.shape;
  // Stored axis 0 runs P (−y), axis 1 runs S (+z), axis 2 runs L (−x). Stored shape [ny, nz, nx].
  const data = new Float32Array(aal.data.length);
  for (let k = 0; k < nx; k++)
    for (let j = 0; j < nz; j++)
      for (let i = 0; i < ny; i++) {
        const x = nx - 1 - k;
        const y = ny - 1 - i;
        const z = j;
        data[i + ny * (j + nz * k)] = at(aal, x, y, z);
      }
  // world = A_ras · (x, y, z) with x = nx−1−k, y = ny−1−i, z = j.
  const affine: Affine = [
    [0, 0, -1, -90 + (nx - 1)],
    [-1, 0, 0, -125 + (ny - 1)],
    [0, 1, 0, -71],
    [0, 0, 0, 1],
  ];
  assert.equal(orientationCode(affine), 'PSL');
  const bytes = encodeNifti({ data, shape: [ny, nz, nx], spacing: [1, 1, 1], affine }, { datatype: 'uint8' });
  const back = readNifti(bytes, { file: 'aal-psl.nii.gz' });
  assert.equal(back.storedOrientation, 'PSL');
  assert.deepEqual(back.shape, [181, 217, 181]);
  assertAffine(back.affine, MNI_AFFINE, 1e-4);
  assert.deepEqual(back.data, aal.data);
  for (const p of AAL_MNI) assert.equal(at(back, ...worldToVoxel(back.affine, p.world)), p.label, p.name);
});

test('nibabel anatomical.nii: big-endian int16, stored LAS, flipped to RAS (values from nibabel)', async () => {
  const v = await readNiftiFile(debianFile('anatomical'));
  assert.equal(v.header.littleEndian, false);
  assert.equal(v.header.datatype, 4);
  assert.equal(v.storedOrientation, 'LAS');
  assert.deepEqual(v.shape, [33, 41, 25]);
  assertAffine(v.affine, [
    [2, 0, 0, -32],
    [0, 2, 0, -40],
    [0, 0, 2, -16],
    [0, 0, 0, 1],
  ]);
  assert.deepEqual(stats(v), { min: -610, max: 30393, sum: 284166082 });
  assert.equal(at(v, 16, 20, 12), 11881);
  assert.equal(at(v, 5, 30, 20), 8928);
  assert.equal(at(v, 0, 0, 0), 9595);
});

test('nibabel reoriented_anat_moved.nii: big-endian float32 (values from nibabel)', async () => {
  const v = await readNiftiFile(debianFile('reorientedAnat'));
  assert.equal(v.header.littleEndian, false);
  assert.equal(v.header.datatype, 16);
  assert.deepEqual(v.shape, [21, 26, 22]);
  assertAffine(v.affine, [
    [4, 0, 0, -35.2979],
    [0, 4, 0, -47.9776],
    [0, 0, 4, -27.5994],
    [0, 0, 0, 1],
  ]);
  const s = stats(v);
  assert.equal(s.min, 0);
  assert.ok(Math.abs(s.max - 21199.935546875) < 1e-3);
  assert.ok(Math.abs(s.sum - 32739769.449157715) < 10, `sum ${s.sum}`);
  assert.ok(Math.abs(at(v, 10, 13, 11) - 8117.22021484375) < 1e-3);
  assert.equal(at(v, 3, 20, 5), 0);
});

test('nibabel functional.nii: scl_slope/scl_inter applied; 4-D needs an explicit frame (values from nibabel)', async () => {
  const p = debianFile('functional');
  await assert.rejects(
    readNiftiFile(p),
    (e: unknown) => e instanceof DataError && /4-D image .*20 frames.*must be 3-D/.test(e.message) && e.message.includes(p),
  );
  const f0 = await readNiftiFile(p, { frame: 0 });
  assert.ok(Math.abs(f0.header.sclSlope - 0.07540696859359741) < 1e-9);
  assert.ok(Math.abs(f0.header.sclInter - 3100.76171875) < 1e-6);
  assert.equal(f0.storedOrientation, 'LAS');
  assert.deepEqual(f0.shape, [17, 21, 3]);
  assertAffine(f0.affine, [
    [4, 0, 0, -32],
    [0, 4, 0, -40],
    [0, 0, 8, 0],
    [0, 0, 0, 1],
  ]);
  const close = (a: number, b: number, tol = 2e-3) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b) / 1000), `${a} vs ${b}`);
  const s = stats(f0);
  close(s.min, 762.5424365997314);
  close(s.max, 5538.065757632256);
  assert.ok(Math.abs(s.sum - 3883746.552329719) < 5, `sum ${s.sum}`);
  close(at(f0, 8, 10, 1), 3865.7654151320457);
  close(at(f0, 3, 17, 2), 3449.745169401169);
  const f19 = await readNiftiFile(p, { frame: 19 });
  close(at(f19, 8, 10, 1), 3910.858782351017);
  close(stats(f19).min, 829.7300456166267);
});

test('nibabel example_nifti2.nii.gz: NIfTI-2 header, oblique qform/sform, two frames (values from nibabel)', async () => {
  const p = debianFile('nifti2');
  const f0 = await readNiftiFile(p, { frame: 0 });
  assert.equal(f0.header.version, 2);
  assert.equal(f0.storedOrientation, 'LAS');
  assert.deepEqual(f0.shape, [32, 20, 12]);
  assertAffine(f0.affine, [
    [2, 0, 0, 55.8551],
    [0, 1.9737, -0.3555, -35.7229],
    [0, 0.3232, 2.1711, -7.2488],
    [0, 0, 0, 1],
  ]);
  assert.deepEqual(stats(f0), { min: 49, max: 742, sum: 3461748 });
  assert.equal(at(f0, 16, 10, 6), 180);
  assert.equal(at(f0, 3, 4, 5), 465);
  const f1 = await readNiftiFile(p, { frame: 1 });
  assert.deepEqual(stats(f1), { min: 46, max: 757, sum: 3465054 });
  assert.equal(at(f1, 16, 10, 6), 188);
});

test('nibabel standard.nii.gz: sform only (qform_code 0), anisotropic voxels (values from nibabel)', async () => {
  const v = await readNiftiFile(debianFile('standard'));
  assert.equal(v.affineSource, 'sform');
  assert.deepEqual(v.shape, [4, 5, 7]);
  assert.deepEqual(v.spacing, [1, 3, 2]);
  assert.deepEqual(stats(v), { min: 0, max: 255, sum: 7650 });
  assert.equal(at(v, 1, 2, 3), 255);
  assert.equal(at(v, 3, 4, 6), 255);
});

test('writer round trip: an LPS int16 CT-like volume keeps values, world positions and spacing', () => {
  const shape: [number, number, number] = [7, 5, 4];
  const data = new Float32Array(7 * 5 * 4).map((_, i) => ((i * 37) % 2000) - 1000);
  const affine: Affine = [
    [-0.7, 0, 0, 120],
    [0, -0.7, 0, 90],
    [0, 0, 2.5, -300],
    [0, 0, 0, 1],
  ];
  const vol = readNifti(encodeNifti({ data, shape, spacing: [0.7, 0.7, 2.5], affine }, { datatype: 'int16' }), { file: 'rt.nii.gz' });
  assert.equal(vol.storedOrientation, 'LPS');
  assert.equal(orientationCode(vol.affine), 'RAS');
  for (const [i, j, k] of [
    [0, 0, 0],
    [6, 4, 3],
    [2, 3, 1],
  ]) {
    const w = applyAffine(affine, [i, j, k]);
    const o = worldToVoxel(vol.affine, w);
    assert.equal(at(vol, ...o), data[i + 7 * (j + 5 * k)]);
  }
  assert.ok(vol.spacing.every((s, i) => Math.abs(s - [0.7, 0.7, 2.5][i]) < 1e-6));
});

test('bad input: truncated gzip, not NIfTI, 1-D and 2-D images, truncated data, unsupported type: errors name the file and reason', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medssl-nifti-'));
  try {
    const aalBytes = readFileSync(debianFile('aal'));
    const cut = path.join(dir, 'cut.nii.gz');
    writeFileSync(cut, aalBytes.subarray(0, Math.floor(aalBytes.length / 2)));
    await assert.rejects(
      readNiftiFile(cut, { caseId: 'case_7' }),
      (e: unknown) =>
        e instanceof DataError && /case 'case_7'/.test(e.message) && /cut\.nii\.gz/.test(e.message) && /truncated gzip/.test(e.message),
    );

    const png = path.join(dir, 'image.nii');
    writeFileSync(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(400)]));
    await assert.rejects(
      readNiftiFile(png),
      (e: unknown) => e instanceof DataError && e.message.includes(png) && /not a NIfTI file.*sizeof_hdr/.test(e.message),
    );

    const tiny = path.join(dir, 'tiny.nii');
    writeFileSync(tiny, Buffer.alloc(20));
    await assert.rejects(readNiftiFile(tiny), /tiny\.nii: not a NIfTI file: 20 bytes/);

    const mk = (shape: [number, number, number], edit?: (b: Uint8Array) => void, gz = false) => {
      const raw = encodeNifti(
        { data: new Float32Array(shape[0] * shape[1] * shape[2]), shape, spacing: [1, 1, 1], affine: MNI_AFFINE },
        { gzip: false },
      );
      edit?.(raw);
      return gz ? gzipSync(raw) : raw;
    };
    assert.throws(
      () => readNifti(mk([50, 1, 1]), { file: 'line.nii' }),
      /line\.nii: 1-D image with shape \[50, 1, 1\]; a volume needs 3 spatial dimensions/,
    );
    // dim[0] = 2: a 2-D image; a single-slice volume (dim[0] = 3, nz = 1) is accepted.
    assert.throws(
      () =>
        readNifti(
          mk([8, 8, 1], (b) => new DataView(b.buffer).setInt16(40, 2, true), true),
          { file: 'flat.nii.gz' },
        ),
      /flat\.nii\.gz: 2-D image with shape \[8, 8\]/,
    );
    assert.deepEqual(readNifti(mk([8, 8, 1]), { file: 'one.nii' }).shape, [8, 8, 1]);
    const ok = mk([4, 4, 4]);
    assert.throws(
      () => readNifti(ok.subarray(0, ok.length - 10), { file: 'short.nii', caseId: 'c1' }),
      /case 'c1': short\.nii: truncated: the header announces 608 bytes .* the file has 598/,
    );
    assert.throws(
      () =>
        readNifti(
          mk([4, 4, 4], (b) => new DataView(b.buffer).setInt16(70, 128, true)),
          { file: 'rgb.nii' },
        ),
      /rgb\.nii: unsupported datatype 128 \(RGB24\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('privacy: descrip and aux_file text never appears in what the reader returns', () => {
  const raw = encodeNifti({ data: new Float32Array(8), shape: [2, 2, 2], spacing: [1, 1, 1], affine: MNI_AFFINE }, { gzip: false });
  raw.set(Buffer.from('Patient Jane Doe 1970-01-01'), 148);
  raw.set(Buffer.from('MRN 123456'), 228);
  const v = readNifti(raw, { file: 'p.nii' });
  const text = JSON.stringify({ ...v, data: [] });
  assert.ok(!text.includes('Jane') && !text.includes('123456'), text);
});
