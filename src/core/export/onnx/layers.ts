/**
 * Our layers as ONNX nodes, NCHW. Weights are transposed here (tfjs HWIO → ONNX OIHW) so that the graph
 * itself carries no Transpose. Evaluation mode throughout: BatchNorm uses its running statistics, the
 * whitening layer is its affine map as a 1×1 convolution with bias.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BatchNorm } from '../../models/batchNorm';
import type { ConvBnRelu } from '../../models/decoders/unet';
import type { Conv2d } from '../../models/layers';
import type { Whitening } from '../../models/whitening';
import { hwioToOihw, whiteningAsConv } from '../torchvisionLayout';
import type { OnnxGraph } from './graph';

async function values(v: tf.Variable | tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await v.data()) as Float32Array);
}

/**
 * A convolution with our padding: PyTorch-style symmetric zero padding of `pad` on every side (tfjs
 * conv2d with a numeric pad), so ONNX pads are [p, p, p, p] whatever the input size or stride.
 * A dilated (atrous) convolution pads dilation·⌊k/2⌋, which is what Conv2d was built with.
 */
export async function conv(
  g: OnnxGraph,
  name: string,
  c: Conv2d,
  x: string,
  o: { bias?: tf.Variable | tf.Tensor; dilation?: number } = {},
): Promise<string> {
  const w = hwioToOihw(await values(c.weight), c.weight.shape);
  const inputs = [x, g.float(`${name}.weight`, w.shape, w.data)];
  if (o.bias) inputs.push(g.float(`${name}.bias`, [c.outChannels], await values(o.bias)));
  const d = o.dilation ?? 1;
  return g.node(
    'Conv',
    inputs,
    { kernel_shape: [c.kernel, c.kernel], strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilations: [d, d], group: 1 },
    name,
  );
}

/** Evaluation-mode BatchNorm: one BatchNormalization node with the running statistics. */
export async function batchNorm(g: OnnxGraph, name: string, bn: BatchNorm, x: string): Promise<string> {
  const C = [bn.channels];
  return g.node(
    'BatchNormalization',
    [
      x,
      g.float(`${name}.weight`, C, await values(bn.gamma)),
      g.float(`${name}.bias`, C, await values(bn.beta)),
      g.float(`${name}.running_mean`, C, await values(bn.runningMean)),
      g.float(`${name}.running_var`, C, await values(bn.runningVar)),
    ],
    { epsilon: { float: bn.epsilon } },
    name,
  );
}

/** The evaluation-mode whitening layer: the 1×1 convolution with bias of the safetensors export. */
export async function whitening(g: OnnxGraph, name: string, w: Whitening, x: string): Promise<string> {
  const C = w.channels;
  const { weight, bias } = await whiteningAsConv(w);
  return g.node(
    'Conv',
    [x, g.float(`${name}.weight`, [C, C, 1, 1], weight), g.float(`${name}.bias`, [C], bias)],
    { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 },
    name,
  );
}

export function relu(g: OnnxGraph, x: string, name?: string): string {
  return g.node('Relu', [x], {}, name);
}

/** conv (atrous when the block has a dilation) → BatchNorm → ReLU. */
export async function convBnRelu(g: OnnxGraph, name: string, m: ConvBnRelu, x: string): Promise<string> {
  const y = await conv(g, `${name}.conv`, m.conv, x, { dilation: m.dilation });
  return relu(g, await batchNorm(g, `${name}.bn`, m.bn, y), `${name}.relu`);
}

/**
 * Bilinear resize of `x` to the spatial size of `ref` (N and C kept): tfjs resizeBilinear with
 * alignCorners false and halfPixelCenters true is ONNX Resize linear / half_pixel (both clamp at the
 * border). The size is read from `ref` at run time, so the graph takes any input size; resizing to the
 * same size is the identity, as our skip of it is.
 */
export function resizeLike(g: OnnxGraph, x: string, ref: string, name: string): string {
  const nc = g.node('Shape', [x], { start: 0, end: 2 }, `${name}.nc`);
  const hw = g.node('Shape', [ref], { start: 2, end: 4 }, `${name}.hw`);
  const sizes = g.node('Concat', [nc, hw], { axis: 0 }, `${name}.sizes`);
  return g.node(
    'Resize',
    [x, '', '', sizes],
    { mode: 'linear', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'floor', exclude_outside: 0 },
    name,
  );
}
