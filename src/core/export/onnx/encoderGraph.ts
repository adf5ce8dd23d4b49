/**
 * The ResNet encoder as ONNX nodes (NCHW), in evaluation mode, mirroring ResNetEncoder.forward: stem
 * (conv, BN, ReLU, and for the 'imagenet' stem the 3×3/2 max-pool with padding 1), the four stages of
 * basic or bottleneck blocks, the whitening layer where the config puts it (in place of the last
 * block's last BatchNorm, or on the last stage's output before the pooling), and the pooled vector.
 */
import type { BatchNorm } from '../../models/batchNorm';
import type { Conv2d, NormLayer } from '../../models/layers';
import type { ResNetEncoder } from '../../models/resnet';
import { Whitening } from '../../models/whitening';
import type { OnnxGraph } from './graph';
import { batchNorm, conv, relu, whitening } from './layers';

/** The fields of resnet.ts's BasicBlock / Bottleneck (module-private classes; read by shape). */
interface BlockParts {
  conv1: Conv2d;
  bn1: BatchNorm;
  conv2: Conv2d;
  norm2?: NormLayer;
  bn2?: BatchNorm;
  conv3?: Conv2d;
  norm3?: NormLayer;
  shortcut: { conv: Conv2d; bn: BatchNorm } | null;
}

export interface EncoderValues {
  /** Outputs of the four stages (the last one whitened when the whitening sits before the pool). */
  stages: [string, string, string, string];
  /** Global average pool of the last stage, [N, featureDim] (when asked for). */
  pooled: string | null;
}

async function norm(g: OnnxGraph, name: string, n: NormLayer, x: string): Promise<string> {
  if (n instanceof Whitening) return whitening(g, name, n, x);
  return batchNorm(g, name, n as BatchNorm, x);
}

async function block(g: OnnxGraph, name: string, b: BlockParts, x: string): Promise<string> {
  let h = relu(g, await batchNorm(g, `${name}.bn1`, b.bn1, await conv(g, `${name}.conv1`, b.conv1, x)));
  if (b.conv3 && b.bn2 && b.norm3) {
    h = relu(g, await batchNorm(g, `${name}.bn2`, b.bn2, await conv(g, `${name}.conv2`, b.conv2, h)));
    h = await norm(g, `${name}.${b.norm3 instanceof Whitening ? 'whiten3' : 'bn3'}`, b.norm3, await conv(g, `${name}.conv3`, b.conv3, h));
  } else if (b.norm2) {
    h = await norm(g, `${name}.${b.norm2 instanceof Whitening ? 'whiten2' : 'bn2'}`, b.norm2, await conv(g, `${name}.conv2`, b.conv2, h));
  } else {
    throw new Error(`onnx export: block ${name} is neither a basic block nor a bottleneck`);
  }
  const id = b.shortcut
    ? await batchNorm(g, `${name}.downsample.1`, b.shortcut.bn, await conv(g, `${name}.downsample.0`, b.shortcut.conv, x))
    : x;
  return relu(g, g.node('Add', [h, id], {}, `${name}.add`), `${name}.out`);
}

/** Appends the encoder to `g` on input `x` ([N, inChannels, H, W]); returns the stage maps and (with `pool`) the pooled vector. */
export async function encoderGraph(g: OnnxGraph, encoder: ResNetEncoder, x: string, pool: boolean): Promise<EncoderValues> {
  const cfg = encoder.config;
  // The slice repeated to 3 channels, as prepareInput does (a Concat, so the numbers stay those of our conv).
  const input = cfg.repeatToThreeChannels ? g.node('Concat', [x, x, x], { axis: 1 }, 'repeat3') : x;
  let h = relu(g, await batchNorm(g, 'bn1', encoder.stemBn, await conv(g, 'conv1', encoder.stemConv, input)), 'stem.relu');
  if (cfg.stem === 'imagenet') {
    // ONNX pads a max-pool with −∞, as tfjs's pool ignores the positions outside the input.
    h = g.node('MaxPool', [h], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 0 }, 'maxpool');
  }
  const stages: string[] = [];
  for (let s = 0; s < encoder.stages.length; s++) {
    const blocks = encoder.stages[s];
    for (let b = 0; b < blocks.length; b++) h = await block(g, `layer${s + 1}.${b}`, blocks[b] as unknown as BlockParts, h);
    stages.push(h);
  }
  if (encoder.whitening && cfg.whiteningPosition === 'beforePool') {
    h = await whitening(g, 'whiten_pool', encoder.whitening, h);
    stages[3] = h;
  }
  const pooled = pool ? g.node('Flatten', [g.node('GlobalAveragePool', [h], {}, 'avgpool')], { axis: 1 }, 'pooled') : null;
  return { stages: stages as EncoderValues['stages'], pooled };
}
