// The single-process replica: its step is Moco.step with the identity collectives on the cut batch,
// and its checkpoint restores a replica bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LocalReplicas } from '../../../src/core/train/localReplicas';
import { Replica } from '../../../src/core/train/replica';
import { keyPermutation } from '../../../src/core/train/replicas';
import { loadPretrainData, makeViews, viewAugment } from '../../../src/core/train/data';
import { SOLO } from '../../../src/core/ssl/comm';
import { Rng } from '../../../src/core/util/rng';
import { tinyConfig } from './helpers';

test('LocalReplicas: initialised from Rng(seed); steps report finite losses, one tensor count; a checkpoint reloads bit-identical', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const c = tinyConfig();
  const data = loadPretrainData(c);
  const aug = viewAugment(c);
  const diag = await data.heldOut.read([0, 1]);
  const a = new LocalReplicas(c, diag);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-local-replicas-'));
  try {
    assert.equal(a.world, 1);
    assert.ok(a.info.featureDim > 0 && a.info.params > 0);
    const rng = new Rng(c.seed);
    rng.setState(a.rngState);
    const counts: number[] = [];
    for (let s = 0; s < 2; s++) {
      const v = makeViews(await data.train.read([0, 1, 2, 3].map((i) => s * 4 + i)), aug, rng);
      const r = await a.step(v, keyPermutation(4, 'shuffle', rng), 0.05);
      assert.ok(Number.isFinite(r.total) && Number.isFinite(r.global), JSON.stringify(r));
      assert.equal(r.badWeight, null);
      assert.equal(r.workerTensors.length, 1);
      counts.push(r.workerTensors[0]);
    }
    assert.equal(counts[1], counts[0]);
    const state = {
      format: 'medssl-pretrain-checkpoint' as const,
      version: 1 as const,
      step: 2,
      epoch: 0,
      stepInEpoch: 2,
      order: [],
      queuePtr: 0,
      schedule: { base: 0.05, totalSteps: 6, warmupSteps: 0, kind: 'cosine' as const },
      rng: rng.getState(),
      configHash: 'h',
    };
    const ck = await a.checkpoint(dir, state);
    const b = new Replica(c, SOLO);
    const loaded = await b.load(ck);
    assert.equal(loaded.step, 2);
    assert.equal(loaded.queuePtr, a.moco.queue.ptr, 'the replica writes its own queue pointer');
    const ref = new Replica(c, SOLO);
    assert.notEqual(await ref.checksum(), await b.checksum(), 'two steps changed the model');
    const d = await a.diagnose(2, 0);
    assert.ok(d.representation.effectiveRank >= 1);
    // The loaded replica equals the one that saved: compare through a second checkpoint's bytes.
    const ck2 = await b.checkpoint(path.join(dir, 'again'), state);
    for (const f of ['query', 'key', 'optimizer']) {
      for (const name of fs.readdirSync(path.join(ck, f))) {
        assert.ok(fs.readFileSync(path.join(ck, f, name)).equals(fs.readFileSync(path.join(ck2, f, name))), `${f}/${name}`);
      }
    }
    assert.ok(fs.readFileSync(path.join(ck, 'queue.bin')).equals(fs.readFileSync(path.join(ck2, 'queue.bin'))));
    b.dispose();
    ref.dispose();
  } finally {
    await a.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
