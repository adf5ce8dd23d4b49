import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pretrain } from '../../../src/core/train/pretrain';
import { lrAt } from '../../../src/core/train/schedule';
import { TestWriter, tinyConfig } from './helpers';

async function cpu() {
  await tf.setBackend('cpu');
  await tf.ready();
}

test('schedule: linear warm-up then cosine to 0', () => {
  const s = { base: 1, totalSteps: 10, warmupSteps: 2, kind: 'cosine' as const };
  assert.deepEqual([lrAt(s, 0), lrAt(s, 1)], [0.5, 1]);
  assert.equal(lrAt(s, 2), 1);
  assert.ok(Math.abs(lrAt(s, 6) - 0.5) < 1e-12);
  assert.ok(lrAt(s, 9) < 0.05);
});

// tinyConfig: 4 cases × 4 slices, 1 held out → 12 training slices, batch 4 → 3 steps/epoch, 2 epochs.
let reference: Array<[number, number]> = [];

test('pretrain: completes, events, diagnostics and checkpoint written; tensor count stable across steps', async () => {
  await cpu();
  const w = TestWriter.temp();
  const counts: number[] = [];
  const r = await pretrain(tinyConfig(), { writer: w, configHash: 'h', onStep: () => counts.push(tf.memory().numTensors) });
  assert.equal(r.status, 'completed');
  assert.equal(w.run.status, 'completed');
  assert.equal(r.step, 6);
  assert.ok(
    counts.every((n) => n === counts[0]),
    `tensor counts ${counts}`,
  );
  reference = w.scalars('loss/total');
  assert.equal(reference.length, 6);
  for (const name of [
    'loss/global',
    'loss/local',
    'lr',
    'infonce/top1',
    'images/s',
    'local/skippedPairs',
    'diag/representation/effectiveRank',
  ]) {
    assert.ok(w.scalars(name).length > 0, name);
  }
  assert.ok(w.events.some((e) => e.type === 'progress'));
  const diag = JSON.parse(fs.readFileSync(path.join(w.dir, 'diagnostics', '6.json'), 'utf8'));
  assert.equal(diag.representation.eigenvalues.length, 16);
  assert.ok(diag.representation.effectiveRank >= 1);
  // per layer, and from step 0 (the initialised encoder, before the first update) on
  assert.deepEqual(
    Object.keys(diag.layers),
    [...'123'].map((k) => `layer${k}`).concat('lastNorm.in', 'lastNorm.out', 'layer4', 'representation', 'embedding'),
  );
  assert.deepEqual(diag.layers.representation, diag.representation);
  const step0 = JSON.parse(fs.readFileSync(path.join(w.dir, 'diagnostics', '0.json'), 'utf8'));
  assert.equal(step0.step, 0);
  assert.equal(step0.layers.layer1.dim, 4);
  assert.equal(w.scalars('diag/representation/rankMe')[0][0], 0);
  assert.equal(fs.readFileSync(path.join(w.dir, 'checkpoints', 'latest'), 'utf8').trim(), '6');
  assert.ok(r.diagnostics && Number.isFinite(r.diagnostics.uniformity));
});

test('resume: the losses after a checkpoint equal those of the uninterrupted run', async () => {
  await cpu();
  const w = TestWriter.temp();
  const c = tinyConfig((c) => {
    c.pretrain.checkpointEvery = 2;
  });
  const a = await pretrain(c, { writer: w, configHash: 'h', stopAfterStep: 4 });
  assert.equal(a.status, 'stopped');
  const w2 = new TestWriter(w.dir);
  const b = await pretrain(c, { writer: w2, configHash: 'h', resume: true });
  assert.equal(b.status, 'completed');
  const resumed = w2.scalars('loss/total');
  assert.deepEqual(
    resumed.map((x) => x[0]),
    [5, 6],
  );
  assert.deepEqual(resumed, reference.slice(4));
  assert.deepEqual(w.scalars('loss/total'), reference.slice(0, 4));
});

test('resume after kill -9 between checkpoints continues from the last complete one with equal losses', async () => {
  await cpu();
  const w = TestWriter.temp();
  const child = spawn(process.execPath, [path.join(__dirname, 'child.js'), w.dir, '2'], {
    stdio: 'ignore',
    env: { ...process.env, MEDSSL_TRAIN_CHILD: '1' },
  });
  const events = path.join(w.dir, 'events.jsonl');
  // wait until step 3 is logged (checkpoint 2 complete, checkpoint 4 not yet), then kill -9
  let exitSignal: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const text = fs.existsSync(events) ? fs.readFileSync(events, 'utf8') : '';
      if (text.includes('"step":3,') && text.includes('"name":"loss/total"') && /"name":"loss\/total","value":[^}]*}\n/.test(text)) {
        const steps = text.split('\n').filter((l) => l.includes('"loss/total"')).length;
        if (steps >= 3) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }
    }, 20);
    const guard = setTimeout(() => {
      clearInterval(timer);
      child.kill('SIGKILL');
      reject(new Error('child did not reach step 3'));
    }, 120000);
    child.on('exit', (_code, sig) => {
      exitSignal = sig;
      clearInterval(timer);
      clearTimeout(guard);
      resolve();
    });
  });
  assert.equal(exitSignal, 'SIGKILL', 'the child was killed mid-run');
  const latest = fs.readFileSync(path.join(w.dir, 'checkpoints', 'latest'), 'utf8').trim();
  assert.ok(latest === '2' || latest === '4', `latest ${latest}`);
  const w2 = new TestWriter(w.dir);
  const c = tinyConfig((c) => {
    c.pretrain.checkpointEvery = 2;
  });
  await pretrain(c, { writer: w2, configHash: 'h', resume: true });
  const resumed = w2.scalars('loss/total');
  const from = Number(latest);
  assert.deepEqual(resumed, reference.slice(from));
});

test('cancel: an aborted signal checkpoints and sets status cancelled', async () => {
  await cpu();
  const w = TestWriter.temp();
  const ac = new AbortController();
  const r = await pretrain(tinyConfig(), {
    writer: w,
    configHash: 'h',
    signal: ac.signal,
    onStep: (s) => {
      if (s === 2) ac.abort();
    },
  });
  assert.equal(r.status, 'cancelled');
  assert.equal(w.run.status, 'cancelled');
  assert.equal(fs.readFileSync(path.join(w.dir, 'checkpoints', 'latest'), 'utf8').trim(), '2');
});

test('NaN guard: a diverging run fails naming the step and the term', async () => {
  await cpu();
  const w = TestWriter.temp();
  await assert.rejects(
    pretrain(
      tinyConfig((c) => {
        c.pretrain.lr = 1e30;
        c.pretrain.warmupEpochs = 0;
      }),
      { writer: w, configHash: 'h' },
    ),
    /step \d+ \(epoch \d+\): (loss\/\w+|weight '[^']+')/,
  );
  assert.equal(w.run.status, 'failed');
  assert.match(w.run.error!.where ?? '', /step \d+/);
});

test('wasm: a batch past the 4 GiB heap cap is refused before training, naming a batch that fits', async () => {
  const { initWasmBackend } = await import('../../../src/core/backend/wasm/init');
  await initWasmBackend();
  try {
    const w = TestWriter.temp();
    const c = tinyConfig((c) => {
      c.data.size = 256;
      c.model.widths = [16, 32, 64, 128];
      c.model.stem = 'small';
      c.pretrain.batchSize = 12;
      c.ssl.queueSize = 24;
    });
    await assert.rejects(
      pretrain(c, { writer: w, configHash: 'h' }),
      /^DataConfigError: pretrain\.batchSize: .*needs about [\d.]+ GiB, more than the 4\.00 GiB limit\. Batch size 8 fits/,
    );
    assert.equal(w.run.status, 'failed');
  } finally {
    await cpu();
  }
});

test('pretrain: a completed single-process run leaves no tensor behind', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const before = tf.memory().numTensors;
  await pretrain(
    tinyConfig((c) => {
      c.pretrain.epochs = 1;
    }),
    { writer: TestWriter.temp(), configHash: 'h' },
  );
  assert.equal(tf.memory().numTensors, before);
});
