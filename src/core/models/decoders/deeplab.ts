/**
 * DeepLabv3+ decoder (what the authors used, METHOD.md "Downstream segmentation"): ASPP on the last
 * stage map (a 1×1 branch, three 3×3 atrous branches, an image-pooling branch; concatenated, projected
 * by 1×1 conv + BN + ReLU), upsampled to stage-1 resolution, concatenated with a 1×1-reduced stage-1
 * map (48 channels in the paper; scaled here), two 3×3 conv + BN + ReLU, 1×1 classifier, bilinear
 * upsampling to the input size. Atrous rates default to [1, 2, 3]: small CPU feature maps (8×8 for a
 * 64-pixel slice) make the paper's [6, 12, 18] read mostly padding; pass them for 512-pixel inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../layers';
import { Module, ParamScope } from '../module';
import { ConvBnRelu, upsampleTo, type SegDecoder } from './unet';

export interface DeepLabOptions {
  /** ASPP output channels (paper: 256). Default min(256, last stage channels). */
  asppChannels?: number;
  /** Atrous rates of the three 3×3 branches. Default [1, 2, 3]. */
  rates?: [number, number, number];
  /** Channels of the reduced low-level (stage 1) skip (paper: 48). Default min(48, stage-1 channels). */
  lowLevelChannels?: number;
}

export class DeepLabV3PlusDecoder extends Module implements SegDecoder {
  readonly branches: ConvBnRelu[];
  readonly pool: ConvBnRelu;
  readonly project: ConvBnRelu;
  readonly low: ConvBnRelu;
  readonly head1: ConvBnRelu;
  readonly head2: ConvBnRelu;
  readonly classifier: Conv2d;
  readonly bias: tf.Variable;

  constructor(
    scope: ParamScope,
    stageChannels: readonly number[],
    readonly numClasses: number,
    o: DeepLabOptions = {},
  ) {
    super(scope);
    const c4 = stageChannels[3];
    const A = o.asppChannels ?? Math.min(256, c4);
    const rates = o.rates ?? [1, 2, 3];
    const L = o.lowLevelChannels ?? Math.min(48, stageChannels[0]);
    const a = scope.scope('aspp');
    this.branches = [new ConvBnRelu(a.scope('b0'), c4, A, 1), ...rates.map((r, i) => new ConvBnRelu(a.scope(`b${i + 1}`), c4, A, 3, r))];
    this.pool = new ConvBnRelu(a.scope('pool'), c4, A, 1);
    this.project = new ConvBnRelu(a.scope('project'), 5 * A, A, 1);
    this.low = new ConvBnRelu(scope.scope('low'), stageChannels[0], L, 1);
    this.head1 = new ConvBnRelu(scope.scope('head1'), A + L, A, 3);
    this.head2 = new ConvBnRelu(scope.scope('head2'), A, A, 3);
    this.classifier = new Conv2d(scope.scope('classifier'), 1, A, numClasses, 1, 0);
    this.bias = scope.param('classifier.bias', tf.zeros([numClasses]));
  }

  forward(stages: readonly tf.Tensor4D[], outSize: [number, number]): tf.Tensor4D {
    const t = this.training;
    return tf.tidy(() => {
      const x = stages[3];
      const [, h, w] = x.shape;
      const outs = this.branches.map((b) => b.apply(x, t));
      const pooled = this.pool.apply(tf.mean(x, [1, 2], true) as tf.Tensor4D, t);
      outs.push(tf.tile(pooled, [1, h, w, 1]) as tf.Tensor4D);
      const aspp = this.project.apply(tf.concat(outs, 3), t);
      const s1 = stages[0];
      const up = upsampleTo(aspp, [s1.shape[1], s1.shape[2]]);
      let y = tf.concat([up, this.low.apply(s1, t)], 3);
      y = this.head2.apply(this.head1.apply(y, t), t);
      return upsampleTo(tf.add(this.classifier.apply(y), this.bias) as tf.Tensor4D, outSize);
    });
  }
}
