// model.init.from: a torchvision ResNet's state_dict saved by PyTorch as safetensors (written with a few
// lines of python, no safetensors package) loads into our encoder and gives the same features; the
// 3-channel stem is summed for a 1-channel run; a shape mismatch is a validate error naming the tensor.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { validateConfigText } from '../../../src/core/config/validate';
import { loadConfig } from '../../../src/core/config/load';
import { loadTorchvisionEncoder } from '../../../src/core/export/torchvisionImport';
import { encodeSafetensors } from '../../../src/core/export/safetensors';
import { torchvisionEncoderShapes, specFromModelConfig } from '../../../src/core/export/torchvisionShapes';
import { ParamStore } from '../../../src/core/models/module';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { SOLO } from '../../../src/core/ssl/comm';
import { Replica } from '../../../src/core/train/replica';
import { Rng } from '../../../src/core/util/rng';
import { useCpu } from '../models/helpers';
import { tinyRunYamlHead } from '../tinyRunYaml';
import { runPython, torchMissing } from './pythonTorch';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-init-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

// torchvision model with non-trivial BatchNorm statistics, saved as safetensors by hand, plus its
// features on a grey image repeated to RGB.
const SAVE_PY = `
import json, struct, sys, numpy as np, torch, torchvision
torch.manual_seed(0)
arch, size = sys.argv[1], int(sys.argv[2])
m = getattr(torchvision.models, arch)()
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.weight.uniform_(0.5, 1.5); mod.bias.normal_(0, 0.1)
            mod.running_mean.normal_(0, 0.1); mod.running_var.uniform_(0.5, 1.5)
m.eval()
sd = m.state_dict()
names = sorted(sd)
header, blobs, off = {}, [], 0
dt = {torch.float32: "F32", torch.int64: "I64"}
for k in names:
    b = sd[k].contiguous().numpy().tobytes()
    header[k] = {"dtype": dt[sd[k].dtype], "shape": list(sd[k].shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b); off += len(b)
h = json.dumps(header).encode()
with open(arch + ".safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
x = torch.from_numpy(np.fromfile("grey.bin", dtype="<f4").reshape(2, 1, size, size))
m.fc = torch.nn.Identity()
with torch.no_grad():
    f = m(x.repeat(1, 3, 1, 1)).numpy()
f.astype("<f4").tofile(arch + ".features.bin")
print(json.dumps({"shape": list(f.shape)}))
`;

for (const arch of ['resnet18', 'resnet50'] as const) {
  test(
    `model.init.from: torchvision ${arch} saved by PyTorch → our 1-channel encoder (stem summed): same features (max rel. error < 1e-4)`,
    { skip: torchMissing() ?? false, timeout: 600_000 },
    async () => {
      await useCpu();
      const size = 32;
      const grey = new Rng(5).normalArray(2 * size * size);
      fs.writeFileSync(path.join(root, 'grey.bin'), grey);
      fs.writeFileSync(path.join(root, 'save.py'), SAVE_PY);
      const r = runPython<{ shape: number[] }>(
        `import sys; sys.argv = ["save.py", "${arch}", "${size}"]; exec(open("save.py").read())`,
        root,
      );
      const enc = new ResNetEncoder({ depth: arch === 'resnet18' ? 18 : 50 }, new ParamStore(new Rng(1)).scope('encoder'));
      try {
        const loaded = loadTorchvisionEncoder(enc, path.join(root, `${arch}.safetensors`));
        assert.equal(loaded.length, enc.namedVariables().length, 'every variable loaded');
        enc.eval();
        const x = tf.tensor4d(grey, [2, size, size, 1]); // N×1×H×W and N×H×W×1 hold the same values for one channel
        const out = enc.forward(x);
        const ours = out.pooled.dataSync();
        const ref = new Float32Array(fs.readFileSync(path.join(root, `${arch}.features.bin`)).buffer.slice(0));
        assert.deepEqual(r.shape, [2, enc.featureDim]);
        let d = 0;
        let m = 0;
        ref.forEach((v, i) => {
          d = Math.max(d, Math.abs(v - ours[i]));
          m = Math.max(m, Math.abs(v));
        });
        console.log(`${arch}: max rel. error ${(d / m).toExponential(2)}`);
        assert.ok(d / m < 1e-4, `features differ: ${d / m}`);
        tf.dispose([x, out.stem, ...out.stages, out.pooled]);
      } finally {
        enc.dispose();
      }
    },
  );
}

const yaml = (
  from: string,
  extra = '',
) => `${tinyRunYamlHead('inittiny', 2, `  init: { from: ${from} }\n${extra}`)}  local: { enabled: false }
pretrain: { epochs: 1, batchSize: 4, workers: 1 }
`;

/** A torchvision-layout file for the tiny config's encoder (4-8-16-16 ResNet-18, small stem), optionally with one tensor's shape changed. */
async function tinyFile(name: string, change?: [string, number[]]): Promise<string> {
  const f = path.join(root, 'tiny.medssl.yaml');
  fs.writeFileSync(f, yaml('/dev/null'));
  const { config } = await loadConfig(f, { checkFiles: false });
  const tensors = [...torchvisionEncoderShapes(specFromModelConfig(config.model))].map(([n, shape]) => {
    const s = change && change[0] === n ? change[1] : shape;
    return {
      name: n,
      shape: s,
      data: new Rng(n.length).normalArray(
        s.reduce((a, c) => a * c, 1),
        0.5,
        0.1,
      ),
    };
  });
  const file = path.join(root, name);
  fs.writeFileSync(file, encodeSafetensors(tensors));
  return file;
}

test('model.init.from: validate names the tensor and both shapes; a missing file or a foreign file is named', async () => {
  const bad = await tinyFile('bad.safetensors', ['layer3.0.conv2.weight', [16, 16, 5, 5]]);
  const r = validateConfigText(yaml(bad), { file: path.join(root, 'x.medssl.yaml') });
  assert.equal(r.ok, false);
  const msgs = r.problems.map((p) => p.message);
  assert.ok(
    msgs.some((m) => m.includes(`tensor 'layer3.0.conv2.weight' has shape [16, 16, 5, 5] in ${bad}, the model needs [16, 16, 3, 3]`)),
    msgs.join('\n'),
  );
  assert.deepEqual(r.problems.find((p) => p.message.includes('layer3'))!.path, ['model', 'init', 'from']);

  const missing = validateConfigText(yaml('nope.safetensors'), { file: path.join(root, 'x.medssl.yaml') });
  assert.match(
    missing.problems.map((p) => p.message).join('\n'),
    /model\.init\.from: the file .*nope\.safetensors does not exist \(relative paths are relative to the config file's folder/,
  );
  fs.writeFileSync(path.join(root, 'weights.pt'), 'PK\u0003\u0004 not safetensors at all');
  const foreign = validateConfigText(yaml('weights.pt'), { file: path.join(root, 'x.medssl.yaml') });
  assert.match(foreign.problems.map((p) => p.message).join('\n'), /model\.init\.from: .*weights\.pt: truncated or not a safetensors file/);

  const good = await tinyFile('good.safetensors');
  const ok = validateConfigText(yaml(path.basename(good)), { file: path.join(root, 'x.medssl.yaml') });
  assert.equal(ok.ok, true, ok.problems.map((p) => p.message).join('\n'));
  assert.equal(ok.config!.model.init!.from, good, 'resolved against the config folder');
  // With whitening on, the slot it replaces (layer4.1.bn2) is not needed from the file.
  const w = validateConfigText(yaml(good, '  whitening: { enabled: true, method: zca, groupSize: 8 }\n'), {
    file: path.join(root, 'x.medssl.yaml'),
  });
  assert.equal(w.ok, true, w.problems.map((p) => p.message).join('\n'));
});

test('model.init.from: the pretraining starts both MoCo encoders from the file', async () => {
  await useCpu();
  const good = await tinyFile('start.safetensors');
  const f = path.join(root, 'start.medssl.yaml');
  fs.writeFileSync(f, yaml(good));
  const { config } = await loadConfig(f);
  const replica = new Replica(config, SOLO);
  try {
    const q = replica.moco.query.encoder;
    const w = q.stages[2][0] as unknown as { conv2: { weight: tf.Variable } };
    const fileW = (await import('../../../src/core/export/safetensors'))
      .decodeSafetensors(fs.readFileSync(good), good)
      .tensors.get('layer3.0.conv2.weight')!;
    const oihw = new Float32Array(fileW.bytes.slice().buffer);
    const hwio = w.conv2.weight.dataSync(); // [3, 3, 16, 16]
    // weight[o, i, y, x] (file) == weight[y, x, i, o] (ours)
    assert.equal(hwio[((1 * 3 + 2) * 16 + 5) * 16 + 7], oihw[((7 * 16 + 5) * 3 + 1) * 3 + 2]);
    const k = replica.moco.key.encoder.stages[2][0] as unknown as { conv2: { weight: tf.Variable } };
    assert.deepEqual([...k.conv2.weight.dataSync()], [...hwio], 'the key encoder is a copy');
  } finally {
    replica.moco.query.store.dispose();
    replica.moco.key.store.dispose();
  }
});
