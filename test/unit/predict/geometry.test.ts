import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readNiftiFile } from '../../../src/core/data/nifti';
import { applyAffine, type Affine, type Vec3 } from '../../../src/core/data/volume';
import { resolveInputs } from '../../../src/core/predict/inputs';
import { encodeNiftiImage, geometryOfAffine, type NiftiGeometry } from '../../../src/core/predict/niftiOut';
import { predictCases } from '../../../src/core/predict/predict';
import type { SliceModel } from '../../../src/core/predict/segmentVolume';

/**
 * A model whose answer is a known function of intensity (class 1 where the windowed slice is above 0.5,
 * i.e. HU > 37.5 in the abdomen window), so that geometry is tested apart from learning.
 */
function thresholdModel(sliceSize: number): SliceModel & { classNames: string[] } {
  return {
    sliceSize,
    numClasses: 2,
    classNames: ['background', 'object'],
    logits: (x) => tf.tidy(() => tf.concat([tf.zerosLike(x), tf.mul(tf.sub(x, 0.5), 40)], 3) as tf.Tensor4D),
  };
}

const deg = Math.PI / 180;
function rotZ(a: number): number[][] {
  return [
    [Math.cos(a), -Math.sin(a), 0],
    [Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
}

/** An affine from direction columns (unit vectors), spacings and an origin. */
function affineOf(dirs: number[][], spacing: Vec3, origin: Vec3): Affine {
  return [0, 1, 2]
    .map((r) => [dirs[r][0] * spacing[0], dirs[r][1] * spacing[1], dirs[r][2] * spacing[2], origin[r]])
    .concat([[0, 0, 0, 1]]);
}

interface Case {
  name: string;
  shape: Vec3;
  affine: Affine;
  /** Slice size of the model (equal to the in-plane RAS size: no resampling, exact). */
  size: number;
  exact: boolean;
  codes?: [number, number];
}

const CASES: Case[] = [
  // flipped axes (LPS storage, as DICOM-derived files are)
  {
    name: 'flipped',
    shape: [20, 20, 6],
    affine: affineOf(
      [
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ],
      [1.5, 1.5, 2],
      [30, 25, -10],
    ),
    size: 20,
    exact: true,
  },
  // non-axial: voxel axes run S, R, A (a sagittal-like stack), so the slicing permutes them
  {
    name: 'sagittal',
    shape: [6, 20, 20],
    affine: affineOf(
      [
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
      ],
      [2, 1.2, 1.2],
      [-12, -11, -5],
    ),
    size: 20,
    exact: true,
  },
  // anisotropic spacing, resampled to a smaller slice size and back
  {
    name: 'anisotropic',
    shape: [36, 28, 5],
    affine: affineOf(
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      [0.7, 1.3, 3],
      [-12, -18, 0],
    ),
    size: 16,
    exact: false,
  },
  // oblique sform (20° about z), sform code 2 and qform code 1 kept as written
  {
    name: 'oblique',
    shape: [24, 24, 5],
    affine: affineOf(rotZ(20 * deg), [1, 1, 2.5], [-5, -20, 4]),
    size: 16,
    exact: false,
    codes: [1, 2],
  },
];

/** HU 200 inside a sphere of radius `r` mm about world point `p`, −100 elsewhere; and the mask of it. */
function phantom(c: Case, p: Vec3, r: number): { data: Float32Array; mask: Uint8Array } {
  const [nx, ny, nz] = c.shape;
  const data = new Float32Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const w = applyAffine(c.affine, [i, j, k]);
        const inside = Math.hypot(w[0] - p[0], w[1] - p[1], w[2] - p[2]) <= r;
        const idx = i + nx * (j + ny * k);
        data[idx] = inside ? 200 : -100;
        mask[idx] = inside ? 1 : 0;
      }
  return { data, mask };
}

function worldCentroid(c: Case, labels: ArrayLike<number>): Vec3 {
  const [nx, ny] = c.shape;
  const s = [0, 0, 0];
  let n = 0;
  for (let idx = 0; idx < labels.length; idx++) {
    if (labels[idx] !== 1) continue;
    const i = idx % nx;
    const j = Math.floor(idx / nx) % ny;
    const k = Math.floor(idx / (nx * ny));
    const w = applyAffine(c.affine, [i, j, k]);
    for (let a = 0; a < 3; a++) s[a] += w[a];
    n++;
  }
  assert.ok(n > 0, `${c.name}: nothing segmented`);
  return s.map((v) => v / n) as Vec3;
}

test('predict on volumes with non-trivial affines: the output header is the input header, and the object comes back at its world coordinates; no tensor leak', async () => {
  await tf.setBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-predict-geom-'));
  for (const c of CASES) {
    const centre = applyAffine(
      c.affine,
      c.shape.map((n) => (n - 1) / 2 + 0.7),
    );
    const { data, mask } = phantom(c, centre, 6);
    const g: NiftiGeometry = geometryOfAffine(c.shape, c.affine);
    if (c.codes) [g.qformCode, g.sformCode] = c.codes;
    const file = path.join(dir, `${c.name}.nii.gz`);
    fs.writeFileSync(file, encodeNiftiImage({ geometry: g, frames: 1, datatype: 'float32', data, intentCode: 0, cal: [0, 0] }, true));
    const input = await readNiftiFile(file, { reorient: false });

    const n0 = tf.memory().numTensors;
    const res = await predictCases(resolveInputs(file, { inChannels: 1 }), {
      model: thresholdModel(c.size),
      intensity: { kind: 'abdomen' },
      foregroundOnly: false,
      outDir: path.join(dir, 'out'),
      probabilities: true,
      batch: 4,
      overlaySlices: 0,
    });
    assert.equal(tf.memory().numTensors, n0, `${c.name}: no tensor leak`);
    const out = await readNiftiFile(res.cases[0].output, { reorient: false });
    const h = out.header;
    const hi = input.header;
    assert.equal(h.datatype, 2, 'uint8 labels');
    assert.deepEqual(h.dims.slice(0, 4), hi.dims.slice(0, 4), `${c.name}: dimensions`);
    assert.deepEqual(h.pixdim.slice(0, 4), hi.pixdim.slice(0, 4), `${c.name}: pixdim and qfac`);
    assert.deepEqual([h.qformCode, h.sformCode], [hi.qformCode, hi.sformCode], `${c.name}: codes`);
    assert.deepEqual([h.quatern, h.qoffset, h.srow], [hi.quatern, hi.qoffset, hi.srow], `${c.name}: qform and sform`);
    assert.equal(out.storedOrientation, input.storedOrientation);

    if (c.exact)
      assert.deepEqual(
        Array.from(out.data),
        Array.from(mask),
        `${c.name}: at the model's own grid the labels are the object, voxel for voxel`,
      );
    const got = worldCentroid(c, out.data);
    const want = worldCentroid(c, mask);
    const tol = c.exact ? 1e-9 : 0.5 * Math.max(...input.spacing.slice(0, 2));
    for (let a = 0; a < 3; a++)
      assert.ok(
        Math.abs(got[a] - want[a]) <= tol,
        `${c.name}: centroid ${got.map((v) => v.toFixed(2))} vs ${want.map((v) => v.toFixed(2))} (tol ${tol})`,
      );
    // the centre voxel is the object, a corner is not
    const ctr = c.shape.map((n) => Math.round((n - 1) / 2 + 0.7));
    assert.equal(out.data[ctr[0] + c.shape[0] * (ctr[1] + c.shape[1] * ctr[2])], 1, `${c.name}: centre`);
    assert.equal(out.data[0], 0, `${c.name}: corner`);

    // probabilities: 4-D float32, one frame per class, same grid; they sum to 1 and their argmax is the label map
    const pf = res.cases[0].probabilities!;
    const raw = (await import('node:zlib')).gunzipSync(fs.readFileSync(pf));
    const ph = (await import('../../../src/core/data/niftiHeader')).parseNiftiHeader(raw);
    assert.deepEqual(ph.dims.slice(0, 5), [4, ...c.shape, 2]);
    assert.equal(ph.datatype, 16);
    assert.deepEqual(ph.srow, hi.srow);
    const probs = new Float32Array(raw.buffer.slice(raw.byteOffset + ph.voxOffset, raw.byteOffset + raw.byteLength));
    const N = c.shape[0] * c.shape[1] * c.shape[2];
    for (let i = 0; i < N; i += 7) {
      assert.ok(Math.abs(probs[i] + probs[i + N] - 1) < 1e-5);
      assert.equal(out.data[i], probs[i + N] > probs[i] ? 1 : 0);
    }
  }
});
