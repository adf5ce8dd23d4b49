import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../../../src/core/models/module';
import { Projector } from '../../../src/core/models/projector';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { Rng } from '../../../src/core/util/rng';
import { loadTensors, loadWeights, readWeightsManifest, saveTensors, saveWeights } from '../../../src/core/models/weights';
import { useCpu } from './helpers';

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'medssl-weights-'));
}

test('weights: save/load round-trip is bit-exact for params and buffers (incl. whitening running W)', async () => {
  await useCpu();
  const dir = await tmpDir();
  try {
    const cfg = {
      depth: 18 as const,
      widths: [4, 8, 8, 16] as [number, number, number, number],
      lastNorm: 'zca' as const,
      whitening: { groupSize: 8 },
    };
    const a = new ResNetEncoder({ ...cfg, seed: 1 });
    // Move the running statistics away from their initial values.
    const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const o = a.forward(x);
    tf.dispose([x, o.stem, ...o.stages, o.pooled]);
    const m = await saveWeights(a, dir, { note: 'test' });
    assert.equal(m.entries.length, a.namedVariables().length);
    const files = (await fs.readdir(dir)).sort();
    assert.deepEqual(files, ['manifest.json', 'weights.bin'], 'no temporary files left');
    const b = new ResNetEncoder({ ...cfg, seed: 2 });
    const report = await loadWeights(b, dir);
    assert.equal(report.loaded.length, a.namedVariables().length);
    const vb = new Map(b.namedVariables().map((e) => [e.name, e.variable]));
    for (const e of a.namedVariables()) {
      const got = Buffer.from((vb.get(e.name)!.dataSync() as Float32Array).buffer);
      const exp = Buffer.from((e.variable.dataSync() as Float32Array).buffer);
      assert.ok(got.equals(exp), `${e.name} differs after load`);
    }
    assert.ok(a.namedVariables('buffer').some((e) => e.name.endsWith('running_wm')));
    const manifest = await readWeightsManifest(dir);
    assert.deepEqual(manifest.metadata, { note: 'test' });
    a.dispose();
    b.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('weights: shape mismatch names the parameter; nothing is assigned', async () => {
  await useCpu();
  const dir = await tmpDir();
  try {
    const a = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 16], seed: 1 });
    await saveWeights(a, dir);
    const wider = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 32], seed: 3 });
    const before = wider.namedVariables()[0].variable.dataSync().slice();
    await assert.rejects(loadWeights(wider, dir), (err: Error) => {
      assert.match(err.message, /'layer4\.0\.conv1\.weight': checkpoint has shape \[3,3,8,16\], the model has \[3,3,8,32\]/);
      return true;
    });
    assert.deepEqual(Array.from(wider.namedVariables()[0].variable.dataSync()), Array.from(before));
    // A model with whitening has variables the checkpoint lacks.
    const wh = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 16], lastNorm: 'iternorm', whitening: { groupSize: 8 } });
    await assert.rejects(loadWeights(wh, dir), /'layer4\.1\.whiten2\.running_wm'.*missing/);
    [a, wider, wh].forEach((m) => m.dispose());
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('weights: a data file that does not match its manifest is refused', async () => {
  await useCpu();
  const dir = await tmpDir();
  try {
    const a = new ResNetEncoder({ depth: 18, widths: [2, 2, 2, 2] });
    await saveWeights(a, dir);
    const bin = path.join(dir, 'weights.bin');
    const data = await fs.readFile(bin);
    data[10] ^= 0xff;
    await fs.writeFile(bin, data);
    await assert.rejects(loadWeights(a, dir), /SHA-256/);
    await fs.writeFile(bin, data.subarray(0, 100));
    await assert.rejects(loadWeights(a, dir), /incomplete or mismatched/);
    a.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('weights: an encoder saved from a shared store (MoCo model) loads into a standalone encoder', async () => {
  await useCpu();
  const dir = await tmpDir();
  const dirAll = await tmpDir();
  try {
    const cfg = { depth: 18 as const, widths: [2, 4, 4, 8] as [number, number, number, number] };
    const store = new ParamStore(new Rng(5));
    const enc = new ResNetEncoder(cfg, store.scope('encoder'));
    const proj = new Projector({ inDim: 8 }, store.scope('projector'));
    await saveWeights(enc, dir);
    await saveWeights(store, dirAll);
    const alone = new ResNetEncoder({ ...cfg, seed: 99 });
    await loadWeights(alone, dir);
    const mine = alone.namedVariables();
    enc.namedVariables().forEach((e, i) => {
      assert.equal(mine[i].name, e.name);
      assert.deepEqual(Array.from(mine[i].variable.dataSync()), Array.from(e.variable.dataSync()));
    });
    // The whole-store checkpoint has projector variables too: strict loading refuses, non-strict reports them.
    await assert.rejects(loadWeights(alone, dirAll), /missing from the checkpoint/);
    const report = await loadWeights(new ParamStore(new Rng(0)), dirAll, { strict: false });
    assert.equal(report.loaded.length, 0);
    assert.equal(report.unused.length, store.list().length);
    proj.dispose();
    enc.dispose();
    alone.dispose();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(dirAll, { recursive: true, force: true });
  }
});

test('saveTensors/loadTensors: other named tensors (optimizer slots, queue) beside the weights, bit-exact', async () => {
  await useCpu();
  const dir = await tmpDir();
  try {
    const queue = tf.randomNormal([16, 8], 0, 1, 'float32', 3);
    const ptr = tf.tensor1d([5], 'int32');
    await saveTensors(
      dir,
      'optimizer',
      [
        { name: 'queue', tensor: queue },
        { name: 'queue_ptr', tensor: ptr },
      ],
      { step: 12 },
    );
    const { tensors, manifest } = await loadTensors(dir, 'optimizer');
    assert.deepEqual(manifest.metadata, { step: 12 });
    assert.deepEqual(Array.from(tensors.get('queue')!.dataSync()), Array.from(queue.dataSync()));
    assert.equal(tensors.get('queue_ptr')!.dtype, 'int32');
    assert.deepEqual(Array.from(tensors.get('queue_ptr')!.dataSync()), [5]);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['optimizer.bin', 'optimizer.json']);
    await assert.rejects(saveTensors(dir, 'weights', []), /base name/);
    await assert.rejects(
      saveTensors(dir, 'x', [
        { name: 'a', tensor: ptr },
        { name: 'a', tensor: ptr },
      ]),
      /duplicate/,
    );
    tf.dispose([queue, ptr, ...tensors.values()]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
