import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covarianceEigenvalues, effectiveRank, rankMe, rankMeFromSingularValues, spectrumReport } from '../../../src/core/metrics/spectrum';

// RankMe's ε (1e-7 per p) adds about 1.6e-6 per zero singular value, hence 1e-4 where zeros are present
const close = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** Sylvester Hadamard matrix of order 2^k (entries ±1, orthogonal columns, column 0 all ones). */
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((v) => -v)])];
  return h;
}

/**
 * X = U diag(s) Vᵀ, n×d, with U's columns orthonormal and orthogonal to the ones vector (so centring
 * leaves X unchanged) and V's columns orthonormal: X's singular values are exactly s.
 */
function withSingularValues(s: number[], n: number, d: number): Float64Array {
  const hn = hadamard(n),
    hd = hadamard(d);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      // U column k = Hadamard column k+1 / √n (skips the ones column); V column k = Hadamard column k+1 / √d
      s.forEach((sk, k) => {
        v += (hn[i][k + 1] / Math.sqrt(n)) * sk * (hd[j][k + 1] / Math.sqrt(d));
      });
      x[i * d + j] = v;
    }
  return x;
}

test('RankMe of known singular values: k equal values give k, [4, 2, 1, 1] gives 2^1.75', () => {
  close(rankMeFromSingularValues([1, 1, 1, 1]), 4);
  close(rankMeFromSingularValues([3, 3, 0, 0, 0, 0]), 2);
  // p = [1/2, 1/4, 1/8, 1/8]: H = 1.75 ln 2
  close(rankMeFromSingularValues([4, 2, 1, 1]), 2 ** 1.75);
  assert.equal(rankMeFromSingularValues([0, 0, 0]), 0);
});

test('RankMe of an n×d matrix with known singular values, both covariance paths (n ≥ d and n < d)', () => {
  const s = [4, 2, 1, 1];
  for (const [n, d] of [
    [16, 8],
    [8, 16],
  ]) {
    const x = withSingularValues(s, n, d);
    const ev = covarianceEigenvalues(x, n, d);
    // covariance eigenvalues are s²/n, then zeros
    s.forEach((sk, k) => close(ev[k], (sk * sk) / n, 1e-9));
    for (let k = s.length; k < d; k++) assert.ok(ev[k] < 1e-12, `ev[${k}] = ${ev[k]}`);
    close(rankMe(ev), 2 ** 1.75);
    // the eigenvalue form on p = [16, 4, 1, 1]/22 reads lower
    const p = [16, 4, 1, 1].map((v) => v / 22);
    close(effectiveRank(ev), Math.exp(-p.reduce((a, v) => a + v * Math.log(v), 0)));
    assert.ok(effectiveRank(ev) < rankMe(ev) - 1, `${effectiveRank(ev)} vs ${rankMe(ev)}`);
  }
});

test('spectrumReport carries RankMe beside the labelled eigenvalue form', () => {
  const n = 16,
    d = 8;
  const r = spectrumReport(
    withSingularValues([1, 1, 1, 1], n, d).map((v, i) => v + (i % d === 0 ? 1 : 0)),
    n,
    d,
  );
  assert.ok(r.rankMe >= r.effectiveRank, JSON.stringify(r));
  close(r.rankMe, rankMe(r.eigenvalues));
});
