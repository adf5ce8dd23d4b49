/**
 * The segmentation heads as ONNX nodes (NCHW), evaluation mode, mirroring their forward passes: the
 * linear head (1×1 conv with bias on the last stage), the U-Net decoder and the DeepLabv3+ decoder. Each
 * ends with the bilinear upsampling of the logits to the input's size.
 */
import { LinearHead } from '../../models/decoders/linear';
import { DeepLabV3PlusDecoder } from '../../models/decoders/deeplab';
import { UNetDecoder, type SegDecoder } from '../../models/decoders/unet';
import type { OnnxGraph } from './graph';
import { conv, convBnRelu, resizeLike } from './layers';

async function unet(g: OnnxGraph, d: UNetDecoder, stages: readonly string[], input: string): Promise<string> {
  let h = stages[3];
  for (let k = 0; k < d.blocks.length; k++) {
    const [c1, c2] = d.blocks[k];
    const skip = stages[2 - k];
    const name = `decoder.up${k + 1}`;
    h = resizeLike(g, h, skip, `${name}.resize`);
    h = g.node('Concat', [h, skip], { axis: 1 }, `${name}.concat`);
    h = await convBnRelu(g, `${name}.c2`, c2, await convBnRelu(g, `${name}.c1`, c1, h));
  }
  const logits = await conv(g, 'decoder.classifier', d.classifier, h, { bias: d.bias });
  return resizeLike(g, logits, input, 'decoder.upsample');
}

async function deeplab(g: OnnxGraph, d: DeepLabV3PlusDecoder, stages: readonly string[], input: string): Promise<string> {
  const x = stages[3];
  const outs: string[] = [];
  for (let i = 0; i < d.branches.length; i++) outs.push(await convBnRelu(g, `decoder.aspp.b${i}`, d.branches[i], x));
  // Image pooling branch: mean over the map, 1×1 conv + BN + ReLU, broadcast back over the map (Expand
  // to [1, 1, h, w] broadcasts against [N, A, 1, 1]), as tf.tile does.
  const pooled = await convBnRelu(g, 'decoder.aspp.pool', d.pool, g.node('GlobalAveragePool', [x], {}, 'decoder.aspp.mean'));
  const hw = g.node('Shape', [x], { start: 2, end: 4 }, 'decoder.aspp.hw');
  const shape = g.node('Concat', [g.int64('decoder.aspp.ones', [1, 1]), hw], { axis: 0 }, 'decoder.aspp.shape');
  outs.push(g.node('Expand', [pooled, shape], {}, 'decoder.aspp.tile'));
  const aspp = await convBnRelu(g, 'decoder.aspp.project', d.project, g.node('Concat', outs, { axis: 1 }, 'decoder.aspp.concat'));
  const s1 = stages[0];
  const up = resizeLike(g, aspp, s1, 'decoder.aspp.resize');
  let y = g.node('Concat', [up, await convBnRelu(g, 'decoder.low', d.low, s1)], { axis: 1 }, 'decoder.concat');
  y = await convBnRelu(g, 'decoder.head2', d.head2, await convBnRelu(g, 'decoder.head1', d.head1, y));
  const logits = await conv(g, 'decoder.classifier', d.classifier, y, { bias: d.bias });
  return resizeLike(g, logits, input, 'decoder.upsample');
}

/** Appends the head to `g`; returns the logits [N, K, H, W] at the size of `input`. */
export async function headGraph(g: OnnxGraph, head: LinearHead | SegDecoder, stages: readonly string[], input: string): Promise<string> {
  if (head instanceof LinearHead) {
    const logits = await conv(g, 'head.conv', head.conv, stages[3], { bias: head.bias });
    return resizeLike(g, logits, input, 'head.upsample');
  }
  if (head instanceof UNetDecoder) return unet(g, head, stages, input);
  if (head instanceof DeepLabV3PlusDecoder) return deeplab(g, head, stages, input);
  throw new Error(`onnx export: no ONNX form for the decoder ${head.constructor.name}`);
}
