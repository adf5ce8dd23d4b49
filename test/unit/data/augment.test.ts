import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  augmentView,
  boxIntersection,
  gaussianBlur,
  imageToView,
  randomResizedCropBox,
  twoViews,
  viewToImage,
  type AugmentConfig,
} from '../../../src/core/data/augment';
import { seededRandom } from '../../../src/core/data/random';
import type { Slice } from '../../../src/core/data/volume';

const geomOnly: AugmentConfig = { size: [64, 64], jitterProb: 0, blurProb: 0, noiseStd: 0, flipH: 0.5, flipV: 0.5, rotationDeg: 10 };

test('random resized crop: area within scale 0.2–1 of the image, inside it, aspect within 3/4–4/3', () => {
  const r = seededRandom(1);
  for (let i = 0; i < 500; i++) {
    const b = randomResizedCropBox(r, 128, 96);
    const frac = (b.w * b.h) / (128 * 96);
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= 128 && b.y + b.h <= 96, JSON.stringify(b));
    assert.ok(frac >= 0.19 && frac <= 1.0001, `area fraction ${frac}`);
    assert.ok(b.w / b.h >= 0.74 && b.w / b.h <= 1.34, `aspect ${b.w / b.h}`);
  }
});

test('geometry kept: a marker in the image is found in each view where viewToImage says', () => {
  // A blurred bright spot at (40.5, 70.5) (pixel 40,70 centre) on a 128×128 image.
  const src: Slice = { data: new Float32Array(128 * 128), width: 128, height: 128 };
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) src.data[x + 128 * y] = Math.exp(-((x - 40) ** 2 + (y - 70) ** 2) / 8);
  const r = seededRandom(7);
  let checked = 0;
  for (let n = 0; n < 60; n++) {
    const v = augmentView(src, { ...geomOnly, size: [96, 96] }, r);
    const [mx, my] = imageToView(v.geometry, 40.5, 70.5);
    if (mx < 4 || my < 4 || mx > 92 || my > 92) continue; // the marker is outside this crop
    let best = -1;
    let bi = 0;
    v.image.data.forEach((x, i) => {
      if (x > best) {
        best = x;
        bi = i;
      }
    });
    const [ix, iy] = viewToImage(v.geometry, (bi % 96) + 0.5, Math.floor(bi / 96) + 0.5);
    assert.ok(
      Math.hypot(ix - 40.5, iy - 70.5) < 1.6,
      `view ${n}: brightest pixel maps to (${ix.toFixed(2)}, ${iy.toFixed(2)}) ${JSON.stringify(v.geometry)}`,
    );
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} views contained the marker`);
  // imageToView ∘ viewToImage = identity
  const g = augmentView(src, geomOnly, seededRandom(3)).geometry;
  const [x, y] = viewToImage(g, 10.25, 50.75);
  const [u, w] = imageToView(g, x, y);
  assert.ok(Math.abs(u - 10.25) < 1e-9 && Math.abs(w - 50.75) < 1e-9);
});

test('seeded: the same seed gives the same two views; another seed differs; the two views differ', () => {
  const src: Slice = { data: Float32Array.from({ length: 64 * 64 }, (_, i) => ((i * 7919) % 101) / 100), width: 64, height: 64 };
  const cfg: AugmentConfig = { size: [32, 32] };
  const [a1, a2] = twoViews(src, cfg, seededRandom(5));
  const [b1, b2] = twoViews(src, cfg, seededRandom(5));
  assert.deepEqual(a1.image.data, b1.image.data);
  assert.deepEqual(a2.geometry, b2.geometry);
  assert.notDeepEqual(a1.geometry, a2.geometry);
  const [c1] = twoViews(src, cfg, seededRandom(6));
  assert.notDeepEqual(c1.geometry, a1.geometry);
  const inter = boxIntersection(a1.geometry.box, a2.geometry.box);
  if (inter) assert.ok(inter.w <= Math.min(a1.geometry.box.w, a2.geometry.box.w));
});

test('intensity: brightness/contrast/gamma as recorded; blur keeps the mean and lowers the variance; noise has its std', () => {
  const flat: Slice = { data: new Float32Array(32 * 32).fill(0.5), width: 32, height: 32 };
  const cfg: AugmentConfig = {
    size: [32, 32],
    scale: [1, 1],
    ratio: [1, 1],
    flipH: 0,
    rotationDeg: 0,
    jitterProb: 1,
    blurProb: 0,
    noiseStd: 0,
  };
  const v = augmentView(flat, cfg, seededRandom(2));
  const expected = Math.pow(Math.min(1, Math.max(0, 0.5 + v.intensity.brightness)), v.intensity.gamma);
  assert.ok(Math.abs(v.image.data[100] - expected) < 1e-6, `${v.image.data[100]} vs ${expected}`);
  const checker: Slice = {
    data: Float32Array.from({ length: 32 * 32 }, (_, i) => ((i % 32) + Math.floor(i / 32)) % 2),
    width: 32,
    height: 32,
  };
  const b = gaussianBlur(checker, 1.5);
  const mean = (d: Float32Array) => d.reduce((a, x) => a + x, 0) / d.length;
  const sd = (d: Float32Array) => Math.sqrt(d.reduce((a, x) => a + (x - mean(d)) ** 2, 0) / d.length);
  assert.ok(Math.abs(mean(b.data) - 0.5) < 0.01);
  assert.ok(sd(b.data) < 0.05 && sd(checker.data) > 0.49);
  const noisy = augmentView(flat, { ...cfg, jitterProb: 0, noiseStd: 0.1 }, seededRandom(9));
  const s = sd(noisy.image.data);
  assert.ok(Math.abs(s - 0.1) < 0.01, `noise std ${s}`);
});
