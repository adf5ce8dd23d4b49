import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initShapeProblems,
  torchvisionEncoderShapes,
  whiteningSlot,
  type EncoderShapeSpec,
} from '../../../src/core/export/torchvisionShapes';

const std = (depth: 18 | 50, conv1In = 3): EncoderShapeSpec => ({
  depth,
  widths: [64, 128, 256, 512],
  stemWidth: 64,
  stem: 'imagenet',
  conv1In,
  whitening: false,
});
const params = (m: Map<string, number[]>) =>
  [...m].filter(([k]) => !k.includes('running_')).reduce((s, [, v]) => s + v.reduce((a, c) => a * c, 1), 0);

test("torchvision shapes: the parameter counts of torchvision's resnet18/50 without fc (11,176,512 and 23,508,032)", () => {
  assert.equal(params(torchvisionEncoderShapes(std(18))), 11_689_512 - 513_000);
  assert.equal(params(torchvisionEncoderShapes(std(50))), 25_557_032 - 2_049_000);
  const r50 = torchvisionEncoderShapes(std(50));
  assert.deepEqual(r50.get('layer2.0.conv2.weight'), [128, 128, 3, 3], 'v1.5: the stride sits on the 3×3');
  assert.deepEqual(r50.get('layer1.0.downsample.0.weight'), [256, 64, 1, 1]);
  assert.equal(r50.has('layer1.1.downsample.0.weight'), false);
});

test('torchvision shapes: the whitening slot is not expected from the file', () => {
  const s = { ...std(50), whitening: true };
  assert.equal(whiteningSlot(s), 'layer4.2.bn3');
  const m = torchvisionEncoderShapes(s);
  assert.equal(
    [...m.keys()].some((k) => k.startsWith('layer4.2.bn3.')),
    false,
  );
  assert.ok(m.has('layer4.2.conv3.weight'));
  assert.equal(whiteningSlot({ ...std(18), whitening: true }), 'layer4.1.bn2');
});

test('torchvision shapes: a 3-channel conv1 fits a 1-channel encoder; other differences name the tensor and both shapes', () => {
  const expected = torchvisionEncoderShapes(std(18, 1));
  const file = new Map<string, readonly number[]>(torchvisionEncoderShapes(std(18, 3)));
  assert.deepEqual(initShapeProblems(expected, file, 'r18.safetensors'), []);
  file.set('layer1.0.bn1.running_var', [32]);
  file.delete('fc.weight');
  file.delete('layer4.1.conv2.weight');
  assert.deepEqual(initShapeProblems(expected, file, 'r18.safetensors'), [
    'r18.safetensors lacks 1 tensor(s) of a torchvision ResNet encoder: layer4.1.conv2.weight (is it a torchvision ResNet state_dict saved as safetensors?)',
    "tensor 'layer1.0.bn1.running_var' has shape [32] in r18.safetensors, the model needs [64]",
  ]);
  // A 5×5 stem is not summable.
  const wrongStem = new Map<string, readonly number[]>(torchvisionEncoderShapes(std(18, 3)));
  wrongStem.set('conv1.weight', [64, 3, 5, 5]);
  assert.match(
    initShapeProblems(expected, wrongStem, 'f').join(),
    /tensor 'conv1\.weight' has shape \[64, 3, 5, 5\] in f, the model needs \[64, 1, 7, 7\]/,
  );
});
