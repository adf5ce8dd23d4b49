// ONNX export → onnxruntime-node gives the same numbers as our model in evaluation mode on the same
// input (tiny models in memory, random weights, non-trivial BatchNorm and whitening statistics):
// max |ours − onnxruntime| / max |onnxruntime| < 1e-4. Skips with the reason printed when
// onnxruntime-node cannot be loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig } from '../../../src/core/config/load';
import type { SavedModelMeta } from '../../../src/core/eval/savedModel';
import { encoderOnnx, segmentationOnnx } from '../../../src/core/export/onnx/onnxModel';
import { DeepLabV3PlusDecoder, LinearHead, UNetDecoder, type SegDecoder } from '../../../src/core/models/decoders';
import { ParamStore } from '../../../src/core/models/module';
import { ResNetEncoder, type ResNetConfig } from '../../../src/core/models/resnet';
import { Rng } from '../../../src/core/util/rng';
import { useCpu } from '../models/helpers';
import { maxRelError, nhwcToNchw, ortMissing, runOnnx } from './onnxRuntime';
import { randomiseStatistics } from './randomStatistics';

const info = { runId: 'onnx-parity', config: defaultConfig('onnx-parity') };
const skip = ortMissing() ?? false;

interface EncoderCase {
  label: string;
  encoder: Partial<ResNetConfig>;
  size: number;
}

const NARROW: Partial<ResNetConfig> = { depth: 18, widths: [8, 16, 32, 32], stem: 'small' };

const ENCODERS: EncoderCase[] = [
  { label: 'narrow resnet18, small stem', encoder: NARROW, size: 16 },
  {
    label: 'narrow resnet18, small stem, zca whitening before the pool',
    encoder: { ...NARROW, lastNorm: 'zca', whiteningPosition: 'beforePool', whitening: { groupSize: 16 } },
    size: 16,
  },
  { label: 'resnet18', encoder: { depth: 18 }, size: 32 },
  {
    label: 'resnet18, zca whitening in place of the last BatchNorm',
    encoder: { depth: 18, lastNorm: 'zca', whitening: { groupSize: 64 } },
    size: 32,
  },
  { label: 'resnet50, iternorm whitening in place of the last BatchNorm, 32×32', encoder: { depth: 50, lastNorm: 'iternorm' }, size: 32 },
  {
    label: 'narrow resnet50, slice repeated to 3 channels, iternorm before the pool, 35×35',
    encoder: {
      depth: 50,
      widths: [4, 8, 8, 16],
      stemWidth: 12,
      repeatToThreeChannels: true,
      lastNorm: 'iternorm',
      whiteningPosition: 'beforePool',
      whitening: { groupSize: 16 },
    },
    size: 35,
  },
];

function input(rng: Rng, n: number, size: number): { nchw: Float32Array; x: tf.Tensor4D } {
  const nchw = rng.normalArray(n * size * size);
  // One channel: NCHW and NHWC hold the same values in the same order.
  return { nchw, x: tf.tensor4d(nchw, [n, size, size, 1]) };
}

for (const c of ENCODERS) {
  test(
    `onnx export, encoder: ${c.label}: onnxruntime's features equal ours (max rel. error < 1e-4)`,
    { skip, timeout: 600_000 },
    async () => {
      await useCpu();
      const rng = new Rng(11);
      const store = new ParamStore(new Rng(5));
      const enc = new ResNetEncoder(c.encoder, store.scope('encoder'));
      try {
        randomiseStatistics(enc, rng);
        enc.eval();
        const { nchw, x } = input(rng, 2, c.size);
        const out = enc.forward(x);
        const ours = Float32Array.from(await out.pooled.data());
        tf.dispose([x, out.stem, ...out.stages, out.pooled]);
        const m = await encoderOnnx(enc, info);
        const r = await runOnnx(m.bytes, { name: 'x', data: nchw, dims: [2, 1, c.size, c.size] }, 'features');
        const rel = maxRelError(ours, r.data);
        console.log(`onnx ${c.label}: features max rel. error ${rel.toExponential(2)} (${m.ops.length} nodes)`);
        assert.deepEqual(r.dims, [2, enc.featureDim]);
        assert.ok(rel < 1e-4, `features differ: ${rel}`);
        // The whitening layer is one 1×1 Conv with bias, no BatchNormalization in its place.
        const bn = m.ops.filter((o) => o === 'BatchNormalization').length;
        const bnLayers = enc.namedVariables().filter((v) => v.name.endsWith('.running_var')).length;
        assert.equal(bn, bnLayers);
      } finally {
        store.dispose();
      }
    },
  );
}

interface HeadCase {
  label: string;
  encoder: Partial<ResNetConfig>;
  size: number;
  head: (enc: ResNetEncoder, store: ParamStore, K: number) => LinearHead | SegDecoder;
  kind: SavedModelMeta['head'];
}

const HEADS: HeadCase[] = [
  {
    label: 'U-Net on a narrow resnet18 (small stem, zca whitening)',
    encoder: { ...NARROW, lastNorm: 'zca', whitening: { groupSize: 16 } },
    size: 16,
    head: (e, s, K) => new UNetDecoder(s.scope('decoder'), e.config.stageChannels, K),
    kind: 'unet',
  },
  {
    label: 'U-Net on a narrow resnet18 (imagenet stem, 36×36: odd stage sizes 9-5-3-2)',
    encoder: { depth: 18, widths: [8, 16, 16, 32] },
    size: 36,
    head: (e, s, K) => new UNetDecoder(s.scope('decoder'), e.config.stageChannels, K),
    kind: 'unet',
  },
  {
    label: 'DeepLabv3+ on a narrow resnet50 (small stem, rates 1-2-3, iternorm before the pool)',
    encoder: {
      depth: 50,
      widths: [4, 8, 8, 16],
      stem: 'small',
      lastNorm: 'iternorm',
      whiteningPosition: 'beforePool',
      whitening: { groupSize: 16 },
    },
    size: 20,
    head: (e, s, K) => new DeepLabV3PlusDecoder(s.scope('decoder'), e.config.stageChannels, K),
    kind: 'deeplabv3plus',
  },
  {
    label: 'DeepLabv3+ on a narrow resnet18 (imagenet stem, 40×40, rates 2-3-5)',
    encoder: { depth: 18, widths: [8, 16, 16, 32] },
    size: 40,
    head: (e, s, K) => new DeepLabV3PlusDecoder(s.scope('decoder'), e.config.stageChannels, K, { rates: [2, 3, 5] }),
    kind: 'deeplabv3plus',
  },
  {
    label: 'linear head on a narrow resnet18 (imagenet stem, 32×32)',
    encoder: { depth: 18, widths: [8, 16, 16, 32] },
    size: 32,
    head: (e, s, K) => new LinearHead(s.scope('head'), e.featureDim, K),
    kind: 'linear',
  },
];

for (const c of HEADS) {
  test(
    `onnx export, segmentation: ${c.label}: onnxruntime's logits equal ours (max rel. error < 1e-4)`,
    { skip, timeout: 600_000 },
    async () => {
      await useCpu();
      const rng = new Rng(13);
      const store = new ParamStore(new Rng(6));
      const enc = new ResNetEncoder(c.encoder, store.scope('encoder'));
      const K = 3;
      const S = c.size;
      const head = c.head(enc, store, K);
      try {
        randomiseStatistics(enc, rng);
        randomiseStatistics(head, rng);
        enc.eval();
        head.eval();
        const { nchw, x } = input(rng, 2, S);
        const logits = tf.tidy(() => {
          const o = enc.forward(x);
          return head instanceof LinearHead ? head.forward(o.stages[3], [S, S]) : head.forward(o.stages, [S, S]);
        });
        const ours = nhwcToNchw(await logits.data(), logits.shape);
        tf.dispose([x, logits]);
        const meta: SavedModelMeta = {
          format: 'medssl-segmentation-model',
          version: 1,
          kind: c.kind === 'linear' ? 'linear' : 'finetune',
          head: c.kind,
          numClasses: K,
          classNames: ['background', 'liver', 'tumour'],
          sliceSize: S,
          inChannels: 1,
          headInChannels: c.kind === 'linear' ? enc.featureDim : null,
          meanForegroundDice: null,
          savedAt: new Date(0).toISOString(),
        };
        const m = await segmentationOnnx(enc, head, meta, info);
        const r = await runOnnx(m.bytes, { name: 'x', data: nchw, dims: [2, 1, S, S] }, 'logits');
        const rel = maxRelError(ours, r.data);
        console.log(`onnx ${c.label}: logits max rel. error ${rel.toExponential(2)} (${m.ops.length} nodes)`);
        assert.deepEqual(r.dims, [2, K, S, S]);
        assert.ok(rel < 1e-4, `logits differ: ${rel}`);
      } finally {
        store.dispose();
      }
    },
  );
}
