import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ViewGeometry } from '../../../src/core/data/augment';
import { diagonalCrossEntropy, infoNce, top1Class0 } from '../../../src/core/ssl/infoNCE';
import { localInfoNce } from '../../../src/core/ssl/localLoss';
import { SOLO } from '../../../src/core/ssl/comm';
import { Moco } from '../../../src/core/ssl/moco';
import { KeyQueue } from '../../../src/core/ssl/queue';
import { regionPair } from '../../../src/core/ssl/regions';
import { SgdMomentum } from '../../../src/core/train/optimizer';
import { Rng } from '../../../src/core/util/rng';
import { tinyMoco, useCpu } from './helpers';

test('InfoNCE: hand-computed case (logits [pos, queue]/T, class 0) and top-1', async () => {
  await useCpu();
  const q = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const k = tf.tensor2d([
    [0.6, 0.8],
    [0, 1],
  ]);
  const queueT = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]); // two negatives (columns): e1, e2
  const { loss, logits } = infoNce(q, k, queueT, 0.5);
  // row 0: [0.6, 1, 0]/0.5 = [1.2, 2, 0]; row 1: [1, 0, 1]/0.5 = [2, 0, 2]
  const l0 = Math.log(Math.exp(1.2) + Math.exp(2) + 1) - 1.2;
  const l1 = Math.log(Math.exp(2) + 1 + Math.exp(2)) - 2;
  assert.ok(Math.abs(loss.dataSync()[0] - (l0 + l1) / 2) < 1e-5);
  assert.deepEqual(
    Array.from(logits.dataSync()).map((x) => +x.toFixed(5)),
    [1.2, 2, 0, 2, 0, 2],
  );
  assert.equal(await top1Class0(logits), 0.5); // row 0 misses; row 1 ties at the top with column 0 → counted
  tf.dispose([q, k, queueT, loss, logits]);
});

test('local InfoNCE: same-image mask equals a per-image cross-entropy', async () => {
  await useCpu();
  const rng = new Rng(3);
  const ql = tf.tensor2d(rng.normalArray(6 * 4), [6, 4]);
  const kl = tf.tensor2d(rng.normalArray(6 * 4), [6, 4]);
  const masked = localInfoNce(ql, tf.transpose(kl) as tf.Tensor2D, 2, 3, 0.2, false).dataSync()[0];
  const per = [0, 1].map((v) => {
    const a = tf.slice(ql, [3 * v, 0], [3, 4]) as tf.Tensor2D;
    const b = tf.slice(kl, [3 * v, 0], [3, 4]) as tf.Tensor2D;
    return diagonalCrossEntropy(tf.div(tf.matMul(a, b, false, true), 0.2) as tf.Tensor2D).dataSync()[0];
  });
  assert.ok(Math.abs(masked - (per[0] + per[1]) / 2) < 1e-5, `${masked} vs ${per}`);
  const cross = localInfoNce(ql, tf.transpose(kl) as tf.Tensor2D, 2, 3, 0.2, true).dataSync()[0];
  assert.ok(cross > masked); // more negatives, larger loss
});

test('queue: random unit init, enqueue writes at the pointer and wraps around the end', async () => {
  await useCpu();
  const tensorsBefore = tf.memory().numTensors;
  const q = new KeyQueue(6, 2, new Rng(1));
  assert.equal(tf.memory().numTensors, tensorsBefore + 1, 'the queue holds one tensor, its variable');
  const init = q.keys.arraySync() as number[][];
  for (let c = 0; c < 6; c++) assert.ok(Math.abs(Math.hypot(init[0][c], init[1][c]) - 1) < 1e-5);
  const k1 = tf.tensor2d([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
  ]);
  q.enqueue(k1);
  assert.equal(q.ptr, 4);
  const k2 = tf.tensor2d([
    [5, 5],
    [6, 6],
    [7, 7],
    [8, 8],
  ]);
  q.enqueue(k2);
  assert.equal(q.ptr, 2);
  const row = (q.keys.arraySync() as number[][])[0];
  assert.deepEqual(row, [7, 8, 3, 4, 5, 6]);
  assert.throws(() => new KeyQueue(10, 2, new Rng(1), 4), /multiple of the batch size 4/);
  q.dispose();
  tf.dispose([k1, k2]);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'nothing left after dispose');
});

test('momentum update: key ← m·key + (1−m)·query for parameters, running statistics copied', async () => {
  await useCpu();
  const m = new Moco(
    tinyMoco({ encoder: { depth: 18, widths: [4, 8, 16, 16], stem: 'small', lastNorm: 'zca', whitening: { groupSize: 16 } } }),
    new Rng(5),
  );
  const name = 'encoder.conv1.weight';
  const qv = m.query.store.get(name);
  const kv = m.key.store.get(name);
  const k0 = kv.dataSync().slice();
  qv.assign(tf.add(qv, 1));
  const q1 = qv.dataSync().slice();
  const bufName = 'encoder.bn1.running_mean';
  m.query.store.get(bufName).assign(tf.fill([4], 0.25));
  const wName = m.query.store.list('buffer').find((e) => e.name.endsWith('running_wm'))!.name;
  m.query.store.get(wName).assign(tf.mul(m.query.store.get(wName), 3));
  m.momentumUpdate();
  const k1 = kv.dataSync();
  for (let i = 0; i < k1.length; i += 37) assert.ok(Math.abs(k1[i] - (0.99 * k0[i] + 0.01 * q1[i])) < 1e-5);
  assert.deepEqual(Array.from(m.key.store.get(bufName).dataSync()), new Array(4).fill(0.25));
  assert.deepEqual(Array.from(m.key.store.get(wName).dataSync()), Array.from(m.query.store.get(wName).dataSync()));
  // local projector too
  const lp = 'localProjector.fc1.weight';
  assert.ok(m.key.store.has(lp));
  m.dispose();
});

function geom(box: ViewGeometry['box'], flipH = false, flipV = false, size = 32): ViewGeometry {
  return { box, flipH, flipV, rotation: 0, width: size, height: size, srcWidth: 64, srcHeight: 64 };
}

/** Weighted centroid (col, row) of one region's pooling weights on an Hf × Wf map. */
function centroid(w: Float32Array, r: number, Hf: number, Wf: number): [number, number] {
  let sx = 0,
    sy = 0,
    s = 0;
  for (let y = 0; y < Hf; y++)
    for (let x = 0; x < Wf; x++) {
      const v = w[r * Hf * Wf + y * Wf + x];
      sx += v * x;
      sy += v * y;
      s += v;
    }
  return [sx / s, sy / s];
}

test('region mapping: a known crop pair (offset boxes, one flipped) maps regions to the right feature cells', () => {
  // 64×64 image. View A: box (0,0,32,32) → 32 px view → 4×4 map (a cell = 8 image px).
  // View B: box (16,16,32,32), flipped horizontally. Intersection (16,16,16,16): 2×2 regions of 8 px.
  const a = geom({ x: 0, y: 0, w: 32, h: 32 });
  const b = geom({ x: 16, y: 16, w: 32, h: 32 }, true);
  const p = regionPair(a, b, 4, 4, { grid: 2, minOverlap: 0.1 });
  assert.deepEqual(p.overlap, [0.25, 0.25]);
  assert.ok(p.weights);
  // region r = row·2 + col: expected (col, row) cells in A and in B (B's columns mirrored).
  const expA = [
    [2, 2],
    [3, 2],
    [2, 3],
    [3, 3],
  ];
  const expB = [
    [3, 0],
    [2, 0],
    [3, 1],
    [2, 1],
  ];
  for (let r = 0; r < 4; r++) {
    const ca = centroid(p.weights.a, r, 4, 4);
    const cb = centroid(p.weights.b, r, 4, 4);
    // Centroids: exact inside the map; at the border RoI-align clamps the outer samples (≤ 1/8 cell shift).
    assert.ok(Math.hypot(ca[0] - expA[r][0], ca[1] - expA[r][1]) < 0.2, `A region ${r}: ${ca}`);
    assert.ok(Math.hypot(cb[0] - expB[r][0], cb[1] - expB[r][1]) < 0.2, `B region ${r}: ${cb}`);
    const argmax = (w: Float32Array) => {
      let bi = 0;
      for (let i = 0; i < 16; i++) if (w[r * 16 + i] > w[r * 16 + bi]) bi = i;
      return [bi % 4, Math.floor(bi / 4)];
    };
    assert.deepEqual(argmax(p.weights.a), expA[r]);
    assert.deepEqual(argmax(p.weights.b), expB[r]);
    let s = 0;
    for (let i = 0; i < 16; i++) s += p.weights.a[r * 16 + i];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
  // exact single sample: the cell itself
  const p1 = regionPair(a, b, 4, 4, { grid: 2, minOverlap: 0.1, samples: 1 });
  assert.equal(p1.weights!.a[0 * 16 + 2 * 4 + 2], 1);
  assert.equal(p1.weights!.b[0 * 16 + 0 * 4 + 3], 1);
  // too little overlap → skipped
  assert.equal(regionPair(a, b, 4, 4, { grid: 2, minOverlap: 0.3 }).weights, null);
  assert.equal(regionPair(a, geom({ x: 40, y: 40, w: 20, h: 20 }), 4, 4, { grid: 2, minOverlap: 0 }).weights, null);
});

function fakeBatch(rng: Rng, n: number) {
  const xq = tf.tensor4d(rng.normalArray(n * 16 * 16), [n, 16, 16, 1]);
  const xk = tf.tensor4d(rng.normalArray(n * 16 * 16), [n, 16, 16, 1]);
  const geometry: Array<[ViewGeometry, ViewGeometry]> = [];
  for (let i = 0; i < n; i++)
    geometry.push([geom({ x: 0, y: 0, w: 40, h: 40 }, false, false, 16), geom({ x: 8 + i, y: 8, w: 40, h: 40 }, i % 2 === 1, false, 16)]);
  return { xq, xk, geometry };
}

test('local loss: its gradient reaches the encoder (the step with λ > 0 moves the encoder differently)', async () => {
  await useCpu();
  const run = async (weight: number) => {
    const m = new Moco(tinyMoco({}, { weight }), new Rng(11));
    const opt = new SgdMomentum(m.trainableParams(), 0.9, 0);
    const b = fakeBatch(new Rng(12), 4);
    const r = await m.step(b, SOLO, opt, 0.1);
    const w = m.query.store.get('encoder.layer1.0.conv1.weight').dataSync().slice();
    tf.dispose([b.xq, b.xk]);
    m.dispose();
    opt.dispose();
    return { r, w };
  };
  const a = await run(0.5);
  const b = await run(0);
  assert.ok(Number.isFinite(a.r.local) && a.r.local > 0, `local ${a.r.local}`);
  assert.ok(Math.abs(a.r.total - (a.r.global + 0.5 * a.r.local)) < 1e-4);
  assert.ok(Math.abs(a.r.global - b.r.global) < 1e-5, 'same global loss from the same init');
  let diff = 0;
  for (let i = 0; i < a.w.length; i++) diff = Math.max(diff, Math.abs(a.w[i] - b.w[i]));
  assert.ok(diff > 1e-6, `encoder update identical with and without the local loss (max diff ${diff})`);
  assert.equal(a.r.localSkipped, 0);
});

test('MoCo step: tensor count stable across steps; enqueue advances the pointer', async () => {
  await useCpu();
  const m = new Moco(tinyMoco(), new Rng(2));
  const opt = new SgdMomentum(m.trainableParams(), 0.9, 1e-4);
  const rng = new Rng(3);
  const counts: number[] = [];
  for (let s = 0; s < 3; s++) {
    const b = fakeBatch(rng, 4);
    const r = await m.step(b, SOLO, opt, 0.05);
    assert.ok(Number.isFinite(r.total));
    tf.dispose([b.xq, b.xk]);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[1], counts[0]);
  assert.equal(counts[2], counts[0]);
  assert.equal(m.queue.ptr, 12);
  m.dispose();
  opt.dispose();
});

test('MoCo step: key views handed in permuted order with the inverse permutation give the batch-order keys (whole-batch key BN)', async () => {
  await useCpu();
  const opts = tinyMoco({ shuffleBn: 'none' });
  const a = new Moco(opts, new Rng(5));
  const b = new Moco(opts, new Rng(5));
  const oa = new SgdMomentum(a.trainableParams(), 0.9, 1e-4);
  const ob = new SgdMomentum(b.trainableParams(), 0.9, 1e-4);
  const batch = fakeBatch(new Rng(6), 4);
  const perm = [2, 0, 3, 1];
  const inv = [1, 3, 0, 2];
  const xkPerm = tf.gather(batch.xk, tf.tensor1d(perm, 'int32')) as tf.Tensor4D;
  const ra = await a.step(batch, SOLO, oa, 0.05);
  const rb = await b.step({ ...batch, xk: xkPerm, inv }, SOLO, ob, 0.05);
  assert.ok(Math.abs(ra.total - rb.total) < 1e-4, `${ra.total} vs ${rb.total}`);
  assert.ok(Math.abs(ra.local - rb.local) < 1e-4, `${ra.local} vs ${rb.local}`);
  const qa = a.queue.keys.dataSync(),
    qb = b.queue.keys.dataSync();
  let d = 0;
  for (let i = 0; i < qa.length; i++) d = Math.max(d, Math.abs(qa[i] - qb[i]));
  assert.ok(d < 1e-4, `queue differs by ${d} (keys must be enqueued in batch order)`);
  const pa = a.trainableParams(),
    pb = b.trainableParams();
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i].variable.dataSync(),
      y = pb[i].variable.dataSync();
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) < 1e-4, pa[i].name);
  }
  await assert.rejects(b.step({ ...batch, inv: [0, 1] }, SOLO, ob, 0.05), /key permutation of 2 for 1 × 4 images/);
  tf.dispose([batch.xq, batch.xk, xkPerm]);
  a.dispose();
  b.dispose();
  oa.dispose();
  ob.dispose();
});

test('MoCo step: a batch where every local pair is skipped still updates (zero local-projector gradient), reporting local NaN', async () => {
  await useCpu();
  const m = new Moco(tinyMoco({}, { minOverlap: 0.999 }), new Rng(2));
  const opt = new SgdMomentum(m.trainableParams(), 0.9, 0);
  const b = fakeBatch(new Rng(3), 4);
  const before = m.query.store.get('encoder.layer1.0.conv1.weight').dataSync().slice();
  const r = await m.step(b, SOLO, opt, 0.05);
  assert.ok(Number.isNaN(r.local));
  assert.equal(r.localSkipped, 4);
  assert.ok(Number.isFinite(r.total) && r.total === r.global, `${r.total} vs ${r.global}`);
  const after = m.query.store.get('encoder.layer1.0.conv1.weight').dataSync();
  assert.ok(
    after.some((v, i) => v !== before[i]),
    'the encoder moved',
  );
  tf.dispose([b.xq, b.xk]);
  m.dispose();
  opt.dispose();
});
