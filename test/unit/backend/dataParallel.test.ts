// The SharedArrayBuffer gradient all-reduce of the data-parallel workers: two worker threads, each
// with its own gradients, must both receive the exact mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkerPool, createAllGatherBuffer, createExchangeBuffer } from '../../../src/core/backend/wasm/dataParallel';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const tf = require(workerData.tfjs);
const { GradientExchange, AllGather } = require(workerData.module);
tf.setBackend('cpu').then(() => {
  const ex = new GradientExchange(workerData.sab, workerData.rank, 2, 7);
  const ag = new AllGather(workerData.agSab, workerData.rank, 2, 6);
  parentPort.on('message', (m) => {
    if (m.gather) {
      const k = tf.fill([2, 3], workerData.rank + 10 * m.step);
      const all = ag.gather(k);
      parentPort.postMessage({ type: 'gather', shape: all.shape, values: Array.from(all.dataSync()) });
      tf.dispose([k, all]);
      return;
    }
    const r = workerData.rank + 1 + m.step;
    const g = [tf.tensor([r, 2 * r, 3 * r], [3]), tf.tensor([[r, -r], [0.5 * r, 4]], [2, 2])];
    // Optionally arrive late: the other replica must then have waited at the barrier.
    if (m.lateRank === workerData.rank) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.lateMs);
    const avg = ex.allReduceMean(g);
    parentPort.postMessage({ type: 'avg', values: avg.map((t) => Array.from(t.dataSync())), waitMs: ex.lastWaitMs });
    tf.dispose([...g, ...avg]);
  });
  parentPort.postMessage({ type: 'ready' });
});
`;

test('GradientExchange.allReduceMean gives every worker the mean; AllGather concatenates in rank order', async () => {
  const sab = createExchangeBuffer(7, 2);
  const agSab = createAllGatherBuffer(6, 2);
  const mod = path.join(__dirname, '../../../src/core/backend/wasm/dataParallel.js');
  const pool = new WorkerPool(WORKER, 2, (rank) => ({ sab, agSab, rank, module: mod, tfjs: require.resolve('@tensorflow/tfjs') }), {
    eval: true,
  });
  try {
    const ready = await pool.receive();
    assert.deepEqual(
      ready.map((r) => r.type),
      ['ready', 'ready'],
    );
    for (let step = 0; step < 3; step++) {
      const replies = await pool.request({ step });
      const m = 1.5 + step; // mean of (1 + step) and (2 + step)
      for (const r of replies) {
        assert.deepEqual(r.values, [
          [m, 2 * m, 3 * m],
          [m, -m, 0.5 * m, 4],
        ]);
      }
    }
    for (let step = 0; step < 2; step++) {
      const replies = await pool.request({ gather: true, step });
      for (const r of replies) {
        assert.deepEqual(r.shape, [4, 3]);
        assert.deepEqual(r.values, [...Array(6).fill(10 * step), ...Array(6).fill(1 + 10 * step)]);
      }
    }
  } finally {
    await pool.terminate();
  }
});

test('GradientExchange.lastWaitMs: the replica that arrives first is the one that waits', async () => {
  const sab = createExchangeBuffer(7, 2);
  const agSab = createAllGatherBuffer(6, 2);
  const mod = path.join(__dirname, '../../../src/core/backend/wasm/dataParallel.js');
  const pool = new WorkerPool(WORKER, 2, (rank) => ({ sab, agSab, rank, module: mod, tfjs: require.resolve('@tensorflow/tfjs') }), {
    eval: true,
  });
  try {
    await pool.receive();
    for (const late of [1, 0]) {
      const replies = await pool.request({ step: 0, lateRank: late, lateMs: 300 });
      for (const r of replies)
        assert.deepEqual(r.values, [
          [1.5, 3, 4.5],
          [1.5, -1.5, 0.75, 4],
        ]);
      const wait = replies.map((r) => r.waitMs as number);
      assert.ok(
        wait.every((x) => Number.isFinite(x) && x >= 0),
        `wait times ${wait}`,
      );
      assert.ok(wait[1 - late] > wait[late], `rank ${1 - late} arrived first, so it should wait longer: ${wait}`);
    }
  } finally {
    await pool.terminate();
  }
});
