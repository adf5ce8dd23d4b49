// Our MoCo v2 step (TensorFlow.js, float32, cpu backend) against an independent PyTorch implementation
// written from docs/METHOD.md (test/python/moco_reference.py, float64; whitening 'zca' there is the exact
// eigendecomposition). Same weights, views, queue, key permutation and view boxes go to both through a
// safetensors file; the losses, EVERY parameter gradient, and after the SGD update + momentum update the
// query side, the key side (parameters and running statistics) and the queue must agree.
// Relative error of a tensor: max|ours − torch| / max|torch| (over the tensor's elements).
// PARITY_VERBOSE=1 prints every tensor's error; PARITY_SEED=n draws other views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ViewGeometry } from '../../../src/core/data/augment';
import { decodeSafetensors, encodeSafetensors, floatValues, type SafeTensorIn } from '../../../src/core/export/safetensors';
import type { ResNetConfig } from '../../../src/core/models/resnet';
import { SOLO } from '../../../src/core/ssl/comm';
import { Moco, type MocoOptions } from '../../../src/core/ssl/moco';
import { SgdMomentum } from '../../../src/core/train/optimizer';
import { Rng } from '../../../src/core/util/rng';
import { runPython, torchMissing } from '../export/pythonTorch';
import { tinyMoco, useCpu } from './helpers';

const TOL = 1e-4;
/** Smallest |input| of any query-side ReLU the comparison accepts: nearer the kink, float32 rounding may flip the ReLU. */
const KINK = 1e-6;
/** The views' seed: the first from 11 whose batches keep every query-side ReLU input ≥ 1e-6 from 0 in all cases. */
const DATA_SEED = Number(process.env.PARITY_SEED ?? 13);
const SIZE = 32;
const N = 4;
const LR = 0.05;
const WD = 1e-4;
const REFERENCE_DIR = path.resolve(__dirname, '../../../../test/python');

/** max|a − b| / max|b|; when b is all zeros, max|a|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: ${a.length} vs ${b.length} values`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den > 0 ? num / den : num;
}

/** Records the gradients the step hands to SGD (the mean over replicas; alone, its own). */
class RecordingSgd extends SgdMomentum {
  grads: Float32Array[] = [];
  override apply(grads: tf.Tensor[], lr: number): void {
    this.grads = grads.map((g) => g.dataSync() as Float32Array);
    super.apply(grads, lr);
  }
}

const view = (x: number, y: number, w: number, h: number, flipH = false, flipV = false): ViewGeometry => ({
  box: { x, y, w, h },
  flipH,
  flipV,
  rotation: 0,
  width: SIZE,
  height: SIZE,
  srcWidth: 40,
  srcHeight: 40,
});

/** Four images: flips on either side, one pair too far apart (skipped by the local loss). */
const GEOMETRY: Array<[ViewGeometry, ViewGeometry]> = [
  [view(0, 0, 30, 30), view(8, 6, 32, 28, true)],
  [view(5, 5, 20, 24, false, true), view(10, 2, 25, 30)],
  [view(0, 0, 12, 12), view(28, 28, 12, 12)],
  [view(2, 10, 36, 28, true), view(0, 0, 40, 40, true, true)],
];
const PERM = [2, 0, 3, 1];

interface Case {
  label: string;
  local: boolean;
  encoder?: Partial<ResNetConfig>;
}

const white = (method: 'zca' | 'iternorm', position: 'lastNorm' | 'beforePool'): Partial<ResNetConfig> => ({
  lastNorm: method,
  whiteningPosition: position,
  whitening: { groupSize: 8, iterations: method === 'zca' ? 20 : 5, epsilon: 1e-5 },
});

const CASES: Case[] = [
  { label: 'plain MoCo v2', local: false },
  { label: '+ local loss', local: true },
  { label: '+ zca whitening (lastNorm)', local: false, encoder: white('zca', 'lastNorm') },
  { label: '+ iternorm whitening T=5 (lastNorm)', local: false, encoder: white('iternorm', 'lastNorm') },
  { label: '+ zca whitening (beforePool) + local loss', local: true, encoder: white('zca', 'beforePool') },
  { label: '+ iternorm whitening T=5 (beforePool) + local loss', local: true, encoder: white('iternorm', 'beforePool') },
];

function options(c: Case): MocoOptions {
  return tinyMoco(
    {
      encoder: { depth: 18, widths: [8, 16, 32, 32], stem: 'small', inChannels: 1, ...c.encoder },
      queueSize: 16,
      batchSize: N,
      inputSize: SIZE,
    },
    { enabled: c.local, grid: 2, stage: 4, minOverlap: 0.1 },
  );
}

/** The case as the reference reads it (only what METHOD.md leaves to the config). */
function caseJson(o: MocoOptions, names: { params: string[]; all: string[] }): unknown {
  const e = o.encoder;
  return {
    widths: e.widths,
    stem: e.stem,
    size: SIZE,
    outDim: o.projector.outDim,
    whitening: e.lastNorm && e.lastNorm !== 'batchnorm' ? { method: e.lastNorm, position: e.whiteningPosition, ...e.whitening } : undefined,
    local: o.local.enabled ? o.local : undefined,
    momentum: o.momentum,
    temperature: o.temperature,
    lr: LR,
    weightDecay: WD,
    perm: PERM,
    geometry: GEOMETRY,
    names,
  };
}

/** Random affines everywhere (fresh ones are 1 and 0) and a key side that differs from the query side. */
function perturb(moco: Moco, rng: Rng): void {
  for (const v of moco.query.store.list('param')) {
    const field = v.name.slice(v.name.lastIndexOf('.') + 1);
    if (field === 'gamma') v.variable.assign(tf.tensor(rng.uniformArray(v.variable.size, 0.5, 1.5), v.variable.shape));
    if (field === 'beta') v.variable.assign(tf.tensor(rng.normalArray(v.variable.size, 0, 0.1), v.variable.shape));
  }
  const q = new Map(moco.query.store.list().map((e) => [e.name, e.variable]));
  for (const k of moco.key.store.list()) {
    const src = q.get(k.name)!;
    const noise = k.kind === 'param' ? rng.normalArray(src.size, 0, 0.01) : new Float32Array(src.size);
    tf.tidy(() => k.variable.assign(tf.add(src, tf.tensor(noise, src.shape))));
  }
}

const values = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

for (const c of CASES) {
  test(
    `MoCo step vs PyTorch: ${c.label}: losses, every gradient, the updated sides and queue agree (rel. < ${TOL})`,
    {
      skip: torchMissing() ?? false,
      timeout: 600_000,
    },
    async () => {
      await useCpu();
      const o = options(c);
      const rng = new Rng(DATA_SEED);
      const moco = new Moco(o, new Rng(5));
      perturb(moco, rng);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-torch-parity-'));
      const opt = new RecordingSgd(moco.trainableParams(), 0.9, WD);
      try {
        const xqV = rng.normalArray(N * SIZE * SIZE);
        const xkV = rng.normalArray(N * SIZE * SIZE);
        const inputs: SafeTensorIn[] = [
          { name: 'xq', shape: [N, SIZE, SIZE, 1], data: xqV },
          { name: 'xk', shape: [N, SIZE, SIZE, 1], data: xkV },
          { name: 'queue', shape: moco.queue.keys.shape, data: values(moco.queue.keys) },
        ];
        for (const [side, s] of [
          ['query', moco.query],
          ['key', moco.key],
        ] as const)
          for (const v of s.store.list()) inputs.push({ name: `${side}.${v.name}`, shape: v.variable.shape, data: values(v.variable) });
        const names = {
          params: moco.trainableParams().map((p) => `query.${p.name}`),
          all: moco.query.store.list().map((v) => `query.${v.name}`),
        };
        fs.writeFileSync(path.join(dir, 'inputs.safetensors'), encodeSafetensors(inputs));
        fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify(caseJson(o, names)));

        const inv = new Array<number>(N);
        PERM.forEach((p, i) => (inv[p] = i));
        const xq = tf.tensor4d(xqV, [N, SIZE, SIZE, 1]);
        const xkAll = tf.tensor4d(xkV, [N, SIZE, SIZE, 1]);
        const xk = tf.gather(xkAll, tf.tensor1d(PERM, 'int32')) as tf.Tensor4D;
        const r = await moco.step({ xq, xk, geometry: GEOMETRY, inv }, SOLO, opt, LR);
        moco.momentumUpdate(); // the key side after the update, as the next step would see it
        tf.dispose([xq, xkAll, xk]);

        const ref = runPython<{ loss: number; valid: number[]; kink: number }>(
          `import sys; sys.path.insert(0, ${JSON.stringify(REFERENCE_DIR)}); import moco_reference as R; R.run('.')`,
          dir,
        );
        const file = path.join(dir, 'outputs.safetensors');
        const out = decodeSafetensors(fs.readFileSync(file), file).tensors;
        const get = (name: string): Float32Array => {
          const t = out.get(name);
          if (!t) throw new Error(`${file}: no tensor '${name}'`);
          return floatValues(t, name, file);
        };
        assert.ok(
          ref.kink > KINK,
          `a query-side ReLU input is ${ref.kink.toExponential(2)} from 0: not a differentiable point, choose another DATA_SEED`,
        );
        const rows: Array<[string, number]> = [
          ['loss total', relativeError([r.total], get('loss.total'))],
          ['loss global', relativeError([r.global], get('loss.global'))],
        ];
        if (c.local) {
          assert.deepEqual(ref.valid, [0, 1, 3], 'the reference skips the far-apart pair');
          assert.equal(r.localSkipped, 1);
          rows.push(['loss local', relativeError([r.local], get('loss.local'))]);
        }
        assert.equal(r.top1, get('top1')[0]);
        let worstGrad: [string, number] = ['', 0];
        names.params.forEach((n, i) => {
          const e = relativeError(opt.grads[i], get(`grad.${n}`));
          rows.push([`grad ${n}`, e]);
          if (e >= worstGrad[1]) worstGrad = [n, e];
        });
        for (const [side, s] of [
          ['query', moco.query],
          ['key', moco.key],
        ] as const)
          for (const v of s.store.list())
            rows.push([`after ${side}.${v.name}`, relativeError(values(v.variable), get(`after.${side}.${v.name}`))]);
        rows.push(['after queue', relativeError(values(moco.queue.keys), get('after.queue'))]);
        if (process.env.PARITY_VERBOSE) for (const [n, e] of rows) console.log(`  ${e.toExponential(2)}  ${n}`);
        const bad = rows.filter(([, e]) => !(e < TOL));
        console.log(
          `${c.label}: nearest ReLU kink ${ref.kink.toExponential(2)}; loss ${r.total.toFixed(6)} (torch ${ref.loss.toFixed(6)}); worst gradient ${worstGrad[0]} ${worstGrad[1].toExponential(2)}; ` +
            `worst of ${rows.length} tensors ${Math.max(...rows.map(([, e]) => e)).toExponential(2)}`,
        );
        assert.deepEqual(
          bad.map(([n, e]) => `${n}: ${e.toExponential(2)}`),
          [],
          'tensors that disagree',
        );
      } finally {
        opt.dispose();
        moco.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
