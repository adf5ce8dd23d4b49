import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../../src/core/data/random';
import { blobRadius, depth, harmonics, profile, type Blob } from '../../../../src/core/data/phantom/shapes';
import { LABEL, labelCounts, PHANTOM_LABELS } from '../../../../src/core/data/phantom/labels';

const flat = { amp: [0, 0, 0], phase: [0, 0, 0], drift: [0, 0, 0] };

test('profile: 0 outside (t0, t1), 1 at the peak, in between on the way', () => {
  assert.equal(profile(0, 0.1, 0.5, 0.9), 0);
  assert.equal(profile(0.95, 0.1, 0.5, 0.9), 0);
  assert.equal(profile(0.5, 0.1, 0.5, 0.9), 1);
  const mid = profile(0.3, 0.1, 0.5, 0.9);
  assert.ok(mid > 0 && mid < 1);
});

test('blob without harmonics is an ellipse: radius a along its axis, depth = radius − distance', () => {
  const bl: Blob = { cu: 10, cv: -5, a: 20, b: 10, rot: 0, harm: flat };
  assert.ok(Math.abs(blobRadius(bl, 0, 0) - 20) < 1e-9);
  assert.ok(Math.abs(blobRadius(bl, Math.PI / 2, 0) - 10) < 1e-9);
  assert.ok(Math.abs(depth(bl, 10, -5, 0) - 20) < 1e-9, 'at the centre the ray is direction 0 (atan2(0, 0)): depth a');
  assert.ok(Math.abs(depth(bl, 25, -5, 0) - 5) < 1e-9);
  assert.ok(depth(bl, 35, -5, 0) < 0, 'outside');
  assert.equal(depth({ ...bl, a: 0 }, 10, -5, 0), -1e9, 'an absent organ is never hit');
});

test('harmonics are seeded: the same source gives the same shape', () => {
  assert.deepEqual(harmonics(seededRandom('x'), 0.03), harmonics(seededRandom('x'), 0.03));
});

test('labels: LABEL is the index in PHANTOM_LABELS; labelCounts counts each value', () => {
  PHANTOM_LABELS.forEach((n, i) => assert.equal(LABEL[n], i));
  const data = new Float32Array([0, 1, 1, LABEL.pancreas]);
  const counts = labelCounts({
    data,
    shape: [4, 1, 1],
    spacing: [1, 1, 1],
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
  });
  assert.equal(counts.length, PHANTOM_LABELS.length);
  assert.equal(counts[0], 1);
  assert.equal(counts[1], 2);
  assert.equal(counts[LABEL.pancreas], 1);
});
