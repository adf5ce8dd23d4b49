// Export → Debian's python3-torch + python3-torchvision load the safetensors through the written
// load_in_pytorch.py (strict load_state_dict, whitening as the 1×1 conv) and give the same features as
// our encoder in evaluation mode on the same input. Relative error: max |ours − torch| / max |torch|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig } from '../../../src/core/config/load';
import { safetensorsOf, writeExport } from '../../../src/core/export/exportRun';
import { ParamStore } from '../../../src/core/models/module';
import { Projector } from '../../../src/core/models/projector';
import { ResNetEncoder, type ResNetConfig } from '../../../src/core/models/resnet';
import { Rng } from '../../../src/core/util/rng';
import { useCpu } from '../models/helpers';
import { runPython, torchMissing } from './pythonTorch';
import { randomiseStatistics } from './randomStatistics';

interface Case {
  label: string;
  encoder: Partial<ResNetConfig>;
  size: number;
  ctor: string | null;
}

const CASES: Case[] = [
  { label: 'resnet18, 1 channel', encoder: { depth: 18 }, size: 32, ctor: 'resnet18' },
  {
    label: 'resnet18, 1 channel, whitening zca',
    encoder: { depth: 18, lastNorm: 'zca', whitening: { groupSize: 64 } },
    size: 32,
    ctor: 'resnet18',
  },
  { label: 'resnet50, slice repeated to 3 channels', encoder: { depth: 50, repeatToThreeChannels: true }, size: 32, ctor: 'resnet50' },
  {
    label: 'resnet50, whitening iternorm',
    encoder: { depth: 50, lastNorm: 'iternorm', whitening: { groupSize: 64 } },
    size: 32,
    ctor: 'resnet50',
  },
  {
    label: 'narrow resnet18, small stem, whitening (no torchvision constructor)',
    encoder: { depth: 18, widths: [8, 16, 32, 32], stem: 'small', lastNorm: 'zca', whitening: { groupSize: 16 } },
    size: 16,
    ctor: null,
  },
  {
    label: 'resnet18, whitening zca before the pooling (avgpool = conv, pool)',
    encoder: { depth: 18, lastNorm: 'zca', whiteningPosition: 'beforePool', whitening: { groupSize: 64 } },
    size: 32,
    ctor: 'resnet18',
  },
  {
    label: 'narrow resnet50, small stem, whitening iternorm before the pooling',
    encoder: {
      depth: 50,
      widths: [4, 8, 8, 16],
      stem: 'small',
      lastNorm: 'iternorm',
      whiteningPosition: 'beforePool',
      whitening: { groupSize: 16 },
    },
    size: 16,
    ctor: null,
  },
  { label: 'narrow resnet50, stem width 12', encoder: { depth: 50, widths: [4, 8, 8, 16], stemWidth: 12 }, size: 32, ctor: null },
];

const PY = `
import json, numpy as np, torch
import load_in_pytorch as L
torch.set_num_threads(1)
enc, proj, meta = L.load()
a = json.loads(meta["architecture"])
x = np.fromfile("input.bin", dtype="<f4").reshape(json.load(open("shape.json")))
if a["repeat_to_three_channels"]:
    x = np.repeat(x, 3, axis=1)
with torch.no_grad():
    f = enc(torch.from_numpy(x)).numpy()
    z = proj(torch.from_numpy(f)).numpy()
ours = np.fromfile("features.bin", dtype="<f4").reshape(f.shape)
ours_z = np.fromfile("embedding.bin", dtype="<f4").reshape(z.shape)
wc = a["whitening_conv"]
print(json.dumps({
  "rel": float(np.abs(ours - f).max() / np.abs(f).max()),
  "rel_projector": float(np.abs(ours_z - z).max() / np.abs(z).max()),
  "ctor": a["torchvision"], "shape": list(f.shape),
  "whitening": type(enc.get_submodule(wc)).__name__ if wc else None,
  "params": sum(p.numel() for p in enc.parameters()),
}))
`;

for (const c of CASES) {
  test(
    `export → torchvision: ${c.label}: same features (max rel. error < 1e-4)`,
    { skip: torchMissing() ?? false, timeout: 600_000 },
    async () => {
      await useCpu();
      const rng = new Rng(7);
      const store = new ParamStore(new Rng(3));
      const enc = new ResNetEncoder(c.encoder, store.scope('encoder'));
      const proj = new Projector({ inDim: enc.featureDim, outDim: 16 }, store.scope('projector'));
      randomiseStatistics(enc, rng);
      enc.eval();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-export-'));
      try {
        const N = 2;
        const nchw = rng.normalArray(N * c.size * c.size);
        const x = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [N, 1, c.size, c.size]), [0, 2, 3, 1]) as tf.Tensor4D);
        const out = enc.forward(x);
        const z = proj.forward(out.pooled);
        fs.writeFileSync(path.join(dir, 'input.bin'), nchw);
        fs.writeFileSync(path.join(dir, 'shape.json'), JSON.stringify([N, 1, c.size, c.size]));
        fs.writeFileSync(path.join(dir, 'features.bin'), out.pooled.dataSync() as Float32Array);
        fs.writeFileSync(path.join(dir, 'embedding.bin'), z.dataSync() as Float32Array);
        tf.dispose([x, out.stem, ...out.stages, out.pooled, z]);
        await writeExport(
          path.join(dir, 'encoder.safetensors'),
          await safetensorsOf(enc, proj, { runId: 'test-run', config: defaultConfig('parity') }),
        );
        const r = runPython<{
          rel: number;
          rel_projector: number;
          ctor: string | null;
          shape: number[];
          whitening: string | null;
          params: number;
        }>(PY, dir);
        console.log(`${c.label}: max rel. error features ${r.rel.toExponential(2)}, projector ${r.rel_projector.toExponential(2)}`);
        assert.ok(r.rel < 1e-4, `features differ: ${r.rel}`);
        assert.ok(r.rel_projector < 1e-4, `projector output differs: ${r.rel_projector}`);
        assert.equal(r.ctor, c.ctor);
        assert.deepEqual(r.shape, [N, enc.featureDim]);
        assert.equal(r.whitening, enc.whitening ? 'Conv2d' : null);
        // Same parameter count as ours, except the whitening slot (C² + C conv weights instead of γ, β).
        const C = enc.whitening?.channels ?? 0;
        assert.equal(r.params, enc.numParameters() + (C ? C * C + C - 2 * C : 0));
      } finally {
        store.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
