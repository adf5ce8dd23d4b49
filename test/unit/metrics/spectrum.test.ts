import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignment,
  covarianceEigenvalues,
  dimsForVariance,
  effectiveRank,
  infoNceTop1,
  l2NormalizeRows,
  normalizedStdTimesSqrtD,
  ROUND_OFF_EIGENVALUE,
  spectrumReport,
  symmetricEigenvalues,
  uniformity,
} from '../../../src/core/metrics/spectrum';
import { Rng } from '../../../src/core/util/rng';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('eigenvalues of known symmetric matrices', () => {
  assert.deepEqual(
    symmetricEigenvalues([
      [3, 0, 0],
      [0, 1, 0],
      [0, 0, 2],
    ]),
    [3, 2, 1],
  );
  const e = symmetricEigenvalues([
    [2, 1],
    [1, 2],
  ]);
  close(e[0], 3);
  close(e[1], 1);
  // Q diag(5,4,1,0.5) Qᵀ with a rotation Q
  const c = Math.cos(0.7),
    s = Math.sin(0.7);
  const Q = [
    [c, -s, 0, 0],
    [s, c, 0, 0],
    [0, 0, c, s],
    [0, 0, -s, c],
  ];
  const L = [5, 4, 1, 0.5];
  const A = Q.map((_, i) => Q.map((__, j) => Q[i].reduce((acc, q, k) => acc + q * L[k] * Q[j][k], 0)));
  symmetricEigenvalues(A).forEach((v, i) => close(v, L[i], 1e-12));
});

test('covariance eigenvalues: direct and Gram trick (n < d) agree, known variances recovered', () => {
  const rng = new Rng(4);
  // axis-aligned data with variances 4, 1, 0.25 (n large): eigenvalues ≈ those
  const n = 4000,
    d = 3;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    x[i * 3] = 2 * rng.normal();
    x[i * 3 + 1] = rng.normal();
    x[i * 3 + 2] = 0.5 * rng.normal();
  }
  const ev = covarianceEigenvalues(x, n, d);
  [4, 1, 0.25].forEach((v, i) => assert.ok(Math.abs(ev[i] - v) / v < 0.08, `${ev}`));
  // n < d: Gram path vs the d×d path on the same data (forced by transposing sizes)
  const n2 = 6,
    d2 = 10;
  const y = rng.normalArray(n2 * d2);
  const viaGram = covarianceEigenvalues(y, n2, d2);
  assert.equal(viaGram.length, d2);
  // direct: build the 10×10 covariance by hand
  const mean = new Array(d2).fill(0);
  for (let i = 0; i < n2; i++) for (let j = 0; j < d2; j++) mean[j] += y[i * d2 + j] / n2;
  const C = Array.from({ length: d2 }, (_, a) =>
    Array.from({ length: d2 }, (__, b) => {
      let s = 0;
      for (let i = 0; i < n2; i++) s += (y[i * d2 + a] - mean[a]) * (y[i * d2 + b] - mean[b]);
      return s / n2;
    }),
  );
  const direct = symmetricEigenvalues(C).map((v) => Math.max(0, v));
  viaGram.forEach((v, i) => close(v, direct[i], 1e-6));
  assert.ok(viaGram.slice(n2 - 1).every((v) => v < 1e-9)); // rank ≤ n − 1 after centring
});

test('effective rank and 99% dims of known spectra', () => {
  close(effectiveRank([1, 1, 1, 1]), 4);
  close(effectiveRank([5, 0, 0, 0]), 1);
  close(effectiveRank([0.5, 0.5, 0, 0]), 2);
  close(effectiveRank([0.5, 0.25, 0.25]), Math.exp(-(0.5 * Math.log(0.5) + 0.5 * Math.log(0.25))));
  assert.equal(effectiveRank([0, 0]), 0);
  assert.equal(dimsForVariance([1, 1, 1, 1]), 4);
  assert.equal(dimsForVariance([0.98, 0.01, 0.01]), 2);
  assert.equal(dimsForVariance([0.995, 0.005]), 1);
  assert.equal(dimsForVariance([90, 9, 1], 0.99), 2);
});

test('std × √d, alignment, uniformity and top-1 on constructed embeddings', () => {
  const rng = new Rng(9);
  const n = 2000,
    d = 16;
  const spread = rng.normalArray(n * d);
  const s = normalizedStdTimesSqrtD(spread, n, d);
  assert.ok(Math.abs(s - 1) < 0.05, `spread ${s}`);
  const collapsed = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    collapsed[i * d] = 1;
    collapsed[i * d + 1] = 1e-3 * rng.normal();
  }
  assert.ok(normalizedStdTimesSqrtD(collapsed, n, d) < 0.01);
  assert.equal(alignment(spread, spread, n, d), 0);
  const r = spectrumReport(collapsed, n, d);
  assert.ok(r.effectiveRank < 1.01 && r.dims99 === 1, JSON.stringify({ er: r.effectiveRank, d: r.dims99 }));
  const r2 = spectrumReport(spread, n, d);
  assert.ok(r2.effectiveRank > 15 && r2.dims99 >= 15);
  // uniformity: identical points → 0 (its maximum); orthonormal ±e_i → log mean exp(−2·‖·‖²)
  assert.equal(uniformity([1, 0, 1, 0], 2, 2), 0);
  close(uniformity([1, 0, 0, 1], 2, 2), -4); // ‖e1 − e2‖² = 2, t = 2
  assert.equal(infoNceTop1([3, 1, 2, 0, 1, 0.5], 2, 3), 0.5);
});

test('spectrumReport: vectors all equal (a point) read rank 0, not the one direction of the centring round-off', () => {
  const d = 8;
  const n = 6;
  const row = Float32Array.from({ length: d }, (_, j) => Math.sin(j + 0.3));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) x.set(row, i * d);
  // without the floor: eigenvalues of pure round-off, which RankMe (scale-free) reads as one direction
  const raw = covarianceEigenvalues(l2NormalizeRows(x, n, d), n, d);
  assert.ok(raw[0] < ROUND_OFF_EIGENVALUE, `round-off ${raw[0]}`);
  const r = spectrumReport(x, n, d);
  assert.deepEqual(r.eigenvalues, new Array(d).fill(0));
  assert.equal(r.rankMe, 0);
  assert.equal(r.effectiveRank, 0);
  assert.equal(r.dims99, 0);
  // two points: one direction, RankMe 1 (+ the ε term)
  const two = Float32Array.from(x);
  for (let i = 0; i < n; i += 2) two[i * d] += 0.5;
  const r2 = spectrumReport(two, n, d);
  assert.ok(Math.abs(r2.rankMe - 1) < 1e-4 && r2.dims99 === 1, `${r2.rankMe} ${r2.dims99}`);
});
