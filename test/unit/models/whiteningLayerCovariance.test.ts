import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { symmetricEigenvalues } from '../../../src/core/metrics/spectrum';
import { ParamStore } from '../../../src/core/models/module';
import { Whitening, type WhiteningMethod } from '../../../src/core/models/whitening';
import { covariance } from '../../../src/core/models/zcaOracle';
import { Rng } from '../../../src/core/util/rng';
import { correlated, useCpu } from './helpers';

/** Per group of c channels of row samples [m, C]: max |cov − I| and the extreme eigenvalues of the group covariance. */
function groupStats(y: ArrayLike<number>, m: number, C: number, c: number): { dev: number; minEig: number; maxEig: number }[] {
  const out = [];
  for (let g = 0; g < C / c; g++) {
    const sub = new Float64Array(m * c);
    for (let i = 0; i < m; i++) for (let j = 0; j < c; j++) sub[i * c + j] = y[i * C + g * c + j];
    const { sigma } = covariance(sub, m, c);
    let dev = 0;
    const rows: number[][] = [];
    for (let a = 0; a < c; a++) {
      rows.push([]);
      for (let b = 0; b < c; b++) {
        rows[a].push(sigma[a * c + b]);
        dev = Math.max(dev, Math.abs(sigma[a * c + b] - (a === b ? 1 : 0)));
      }
    }
    const ev = symmetricEigenvalues(rows);
    out.push({ dev, minEig: ev[c - 1], maxEig: ev[0] });
  }
  return out;
}

/**
 * The layer itself, in training mode (γ = 1, β = 0 at init, so its output is the whitened batch):
 * input [16, 4, 4, 32] (m = 256 samples per channel), two groups of 16 channels, each group's input
 * correlated with a condition number `cond`.
 */
function layerOutput(method: WhiteningMethod, cond: number, iterations?: number): ReturnType<typeof groupStats> {
  const rng = new Rng(20 + cond);
  const N = 16,
    H = 4,
    W = 4,
    C = 32,
    c = 16,
    m = N * H * W;
  const g0 = correlated(rng, m, c, cond);
  const g1 = correlated(rng, m, c, cond);
  const data = new Float32Array(m * C);
  for (let i = 0; i < m; i++) {
    data.set(g0.subarray(i * c, (i + 1) * c), i * C);
    data.set(g1.subarray(i * c, (i + 1) * c), i * C + c);
  }
  const store = new ParamStore(new Rng(1));
  const layer = new Whitening(store.scope('wh'), C, { method, groupSize: c, iterations });
  const x = tf.tensor4d(data, [N, H, W, C]);
  const y = layer.apply(x, true);
  const stats = groupStats(y.dataSync(), m, C, c);
  tf.dispose([x, y]);
  store.dispose();
  return stats;
}

test("whitening layer, training mode, zca: each group's output covariance is the identity within 1e-2", async () => {
  await useCpu();
  for (const cond of [10, 100, 1000]) {
    const s = layerOutput('zca', cond);
    console.log(
      `zca cond ${cond}: ${s.map((g) => `max|cov−I| ${g.dev.toExponential(1)}, eigenvalues ${g.minEig.toFixed(4)}..${g.maxEig.toFixed(4)}`).join('; ')}`,
    );
    for (const g of s) {
      assert.ok(g.dev < 1e-2, `cond ${cond}: max |cov − I| ${g.dev}`);
      // ε = 1e-5 on the covariance diagonal shrinks a direction of variance λ to λ/(λ + ε): the smallest ones of the cond-1000 input end near 0.99
      assert.ok(g.minEig > 0.98 && g.maxEig < 1.01, `cond ${cond}: eigenvalues ${g.minEig}..${g.maxEig}`);
    }
  }
});

test('whitening layer, training mode, iternorm T = 5: how far it gets (measured; partial by design)', async () => {
  await useCpu();
  const measured: Record<number, { dev: number; minEig: number; maxEig: number }> = {};
  for (const cond of [10, 100, 1000]) {
    const s = layerOutput('iternorm', cond, 5);
    // the worse of the two groups
    measured[cond] = {
      dev: Math.max(...s.map((g) => g.dev)),
      minEig: Math.min(...s.map((g) => g.minEig)),
      maxEig: Math.max(...s.map((g) => g.maxEig)),
    };
    const t = measured[cond];
    console.log(
      `iternorm T=5 cond ${cond}: max|cov−I| ${t.dev.toFixed(3)}, eigenvalues ${t.minEig.toFixed(4)}..${t.maxEig.toFixed(4)} (output condition ${(t.maxEig / t.minEig).toFixed(1)})`,
    );
  }
  // The top of the spectrum reaches 1 (IterNorm's trace normalisation: no eigenvalue overshoots)...
  for (const cond of [10, 100, 1000])
    assert.ok(measured[cond].maxEig < 1.01 && measured[cond].maxEig > 0.9, `cond ${cond}: largest eigenvalue ${measured[cond].maxEig}`);
  // ...the condition number shrinks by orders of magnitude, but the small directions stay shrunk, more so the worse the input.
  for (const cond of [100, 1000])
    assert.ok(
      measured[cond].maxEig / measured[cond].minEig < cond / 5,
      `cond ${cond}: output condition ${measured[cond].maxEig / measured[cond].minEig}`,
    );
  assert.ok(measured[1000].minEig < measured[10].minEig, 'a worse-conditioned input keeps smaller directions');
  assert.ok(measured[1000].dev > 0.1, `T = 5 is not full whitening at cond 1000: max |cov − I| ${measured[1000].dev}`);
});
