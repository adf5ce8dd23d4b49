// Data-parallel pretraining (train/workerReplicas.ts): 2 worker_threads replicas on the cpu backend with
// the tiny config. What is equal and what is not, versus one worker:
//  - equal: the run's generator stream (initialisation, epoch orders, views, key-BN permutations),
//    hence the RNG state in every checkpoint; the replicas among themselves (bit-exact checksum);
//    a resumed 2-worker run and an uninterrupted 2-worker run (bit-exact losses);
//  - approximately equal: the losses (query BatchNorm statistics are per half batch, so the step-1
//    loss differs slightly and the runs drift apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pretrain } from '../../../src/core/train/pretrain';
import { expectReplies, WorkerReplicas } from '../../../src/core/train/workerReplicas';
import { REPLY_TYPE } from '../../../src/protocol/replicas';
import { loadPretrainData, makeViews, viewAugment } from '../../../src/core/train/data';
import { Rng } from '../../../src/core/util/rng';
import { TestWriter, tinyConfig } from './helpers';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

let oneWorker: Array<[number, number]> = [];
let twoWorkers: Array<[number, number]> = [];

test('one worker reference run', async () => {
  await cpu();
  const w = TestWriter.temp();
  await pretrain(tinyConfig(), { writer: w, configHash: 'h' });
  oneWorker = w.scalars('loss/total');
});

test('2 workers: completes with diagnostics and checkpoints, identical replicas, stable tensor counts, losses ≈ 1 worker', async () => {
  await cpu();
  const w = TestWriter.temp();
  const tensors: number[][] = [];
  // checkpointEvery 1: every step's checkpoint first asserts the replicas' checksums are equal.
  const c = tinyConfig((c) => {
    c.pretrain.workers = 2;
    c.pretrain.checkpointEvery = 1;
  });
  const r = await pretrain(c, { writer: w, configHash: 'h', onStep: (_s, x) => tensors.push(x.workerTensors!) });
  assert.equal(r.status, 'completed');
  assert.equal(w.run.status, 'completed');
  assert.equal(r.step, 6);
  assert.ok(
    tensors.every((t) => t.length === 2 && t[0] === tensors[0][0] && t[1] === tensors[0][1]),
    `worker tensor counts ${JSON.stringify(tensors)}`,
  );
  twoWorkers = w.scalars('loss/total');
  assert.equal(twoWorkers.length, 6);
  assert.ok(fs.existsSync(path.join(w.dir, 'diagnostics', '6.json')));
  assert.ok(r.diagnostics && r.diagnostics.representation.effectiveRank >= 1);
  assert.ok(w.events.some((e) => e.type === 'log' && /2 workers/.test(e.message)));
  // Same generator stream as one worker: the checkpoint's RNG state after step 6 is equal.
  const w1 = TestWriter.temp();
  await pretrain(
    tinyConfig((c) => {
      c.pretrain.checkpointEvery = 1;
    }),
    { writer: w1, configHash: 'h', stopAfterStep: 2 },
  );
  const st = (dir: string, n: number) => JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', String(n), 'state.json'), 'utf8'));
  assert.deepEqual(st(w1.dir, 2).rng, st(w.dir, 2).rng);
  assert.deepEqual(st(w1.dir, 2).order, st(w.dir, 2).order);
  assert.equal(st(w1.dir, 2).queuePtr, st(w.dir, 2).queuePtr);
  // Losses: close to one worker at step 1 (only the query BN statistics differ), finite throughout.
  assert.ok(Math.abs(twoWorkers[0][1] - oneWorker[0][1]) / oneWorker[0][1] < 0.1, `${twoWorkers[0][1]} vs ${oneWorker[0][1]}`);
  assert.ok(twoWorkers.every(([, v]) => Number.isFinite(v)));
});

test('2 workers: resume from a checkpoint gives the same losses as the uninterrupted 2-worker run', async () => {
  await cpu();
  const w = TestWriter.temp();
  const c = tinyConfig((c) => {
    c.pretrain.workers = 2;
    c.pretrain.checkpointEvery = 2;
  });
  const a = await pretrain(c, { writer: w, configHash: 'h', stopAfterStep: 4 });
  assert.equal(a.status, 'stopped');
  const w2 = new TestWriter(w.dir);
  const b = await pretrain(c, { writer: w2, configHash: 'h', resume: true });
  assert.equal(b.status, 'completed');
  assert.deepEqual(w2.scalars('loss/total'), twoWorkers.slice(4));
  assert.deepEqual(w.scalars('loss/total'), twoWorkers.slice(0, 4));
});

test('2 workers: replicas stay bit-identical (checksum) over steps', async () => {
  await cpu();
  const c = tinyConfig((c) => {
    c.pretrain.workers = 2;
  });
  const data = loadPretrainData(c);
  const par = await WorkerReplicas.start(c, 2, 'cpu', []);
  try {
    const rng = new Rng(9);
    for (let s = 0; s < 3; s++) {
      const v = makeViews(await data.train.read([0, 1, 2, 3].map((i) => s * 4 + i)), viewAugment(c), rng);
      await par.step(v, rng.shuffle([0, 1, 2, 3]), 0.05);
      const sums = await par.checksums();
      assert.equal(sums[0], sums[1]);
    }
  } finally {
    await par.close();
  }
});

for (const kind of ['throw', 'exit'] as const) {
  test(`2 workers: a replica that fails (${kind}) fails the run with a clear error, without hanging`, async () => {
    await cpu();
    const w = TestWriter.temp();
    const t0 = Date.now();
    await assert.rejects(
      pretrain(
        tinyConfig((c) => {
          c.pretrain.workers = 2;
        }),
        { writer: w, configHash: 'h', workerFault: { rank: 1, step: 2, kind }, workerTimeoutMs: 60_000 },
      ),
      kind === 'throw' ? /worker 1 failed: injected failure at step 2/ : /worker 1 (failed|exited)/,
    );
    assert.ok(Date.now() - t0 < 50_000, 'failed promptly (not by the timeout)');
    assert.equal(w.run.status, 'failed');
  });
}

test('replica protocol: every command names its reply; a reply of another type is refused with the command and both types', () => {
  assert.deepEqual(Object.keys(REPLY_TYPE).sort(), ['checkpoint', 'checksum', 'diagnose', 'init', 'load', 'step', 'stop']);
  assert.deepEqual(
    expectReplies('checksum', [
      { type: 'checksum', value: 'a' },
      { type: 'checksum', value: 'a' },
    ]).map((r) => r.value),
    ['a', 'a'],
  );
  assert.throws(() => expectReplies('checkpoint', [{ type: 'ok' }]), /'ok' in answer to 'checkpoint' \(expected 'checkpoint'\)/);
  assert.throws(() => expectReplies('load', [{ type: 'ok' }, { type: 'checksum', value: 'x' }]), /'checksum' in answer to 'load'/);
});
