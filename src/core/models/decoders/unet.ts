/**
 * U-Net decoder (the CPU default for fine-tuning, METHOD.md "Downstream segmentation") on the ResNet
 * encoder's four stage maps: from the last stage up, each step upsamples ×2 (bilinear), concatenates the
 * skip of the stage above and applies two 3×3 conv + BatchNorm + ReLU; a 1×1 convolution gives the
 * class logits at stage-1 resolution, upsampled bilinearly to the input size (×1 with the 'small' stem,
 * ×4 with the 'imagenet' stem).
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from '../batchNorm';
import { Conv2d } from '../layers';
import { Module, ParamScope } from '../module';

/**
 * 'Same' atrous (dilated) convolution, stride 1, through space-to-batch: TensorFlow.js has no gradient
 * for conv2d with dilation > 1, but it has one for spaceToBatchND / batchToSpaceND (each other's), and
 * an atrous convolution of rate r is an ordinary convolution on each of the r×r phase grids (exact,
 * with the same zero padding).
 */
export function atrousConv(x: tf.Tensor4D, filter: tf.Tensor4D, rate: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const pads = [
      [0, (rate - (h % rate)) % rate],
      [0, (rate - (w % rate)) % rate],
    ];
    const sb = tf.spaceToBatchND(x, [rate, rate], pads) as tf.Tensor4D;
    const y = tf.conv2d(sb, filter, 1, 'same');
    return tf.batchToSpaceND(y, [rate, rate], pads) as tf.Tensor4D;
  });
}

/** conv k×k (optionally atrous) → BN → ReLU. */
export class ConvBnRelu {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  constructor(
    scope: ParamScope,
    cin: number,
    cout: number,
    kernel = 3,
    readonly dilation = 1,
  ) {
    this.conv = new Conv2d(scope.scope('conv'), kernel, cin, cout, 1, dilation * Math.floor(kernel / 2));
    this.bn = new BatchNorm(scope.scope('bn'), cout);
  }
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.dilation === 1 ? this.conv.apply(x) : atrousConv(x, this.conv.weight as tf.Tensor as tf.Tensor4D, this.dilation);
      return tf.relu(this.bn.apply(y, training)) as tf.Tensor4D;
    });
  }
}

export interface SegDecoder extends Module {
  /** Logits [N, H, W, K] at the input size from the encoder's stage maps. */
  forward(stages: readonly tf.Tensor4D[], outSize: [number, number]): tf.Tensor4D;
}

export function upsampleTo(x: tf.Tensor4D, hw: [number, number]): tf.Tensor4D {
  return x.shape[1] === hw[0] && x.shape[2] === hw[1] ? x : tf.image.resizeBilinear(x, hw, false, true);
}

export class UNetDecoder extends Module implements SegDecoder {
  readonly blocks: Array<[ConvBnRelu, ConvBnRelu]> = [];
  readonly classifier: Conv2d;
  readonly bias: tf.Variable;

  /**
   * @param stageChannels channels of the encoder's 4 stages
   * @param widths decoder widths after each of the 3 up-steps (default: the skip's channels)
   */
  constructor(
    scope: ParamScope,
    readonly stageChannels: readonly number[],
    readonly numClasses: number,
    widths?: readonly number[],
  ) {
    super(scope);
    let cin = stageChannels[3];
    for (let i = 2; i >= 0; i--) {
      const w = widths?.[2 - i] ?? stageChannels[i];
      const s = scope.scope(`up${3 - i}`);
      this.blocks.push([new ConvBnRelu(s.scope('c1'), cin + stageChannels[i], w), new ConvBnRelu(s.scope('c2'), w, w)]);
      cin = w;
    }
    this.classifier = new Conv2d(scope.scope('classifier'), 1, cin, numClasses, 1, 0);
    this.bias = scope.param('classifier.bias', tf.zeros([numClasses]));
  }

  forward(stages: readonly tf.Tensor4D[], outSize: [number, number]): tf.Tensor4D {
    const training = this.training;
    return tf.tidy(() => {
      let h = stages[3];
      this.blocks.forEach(([c1, c2], k) => {
        const skip = stages[2 - k];
        h = upsampleTo(h, [skip.shape[1], skip.shape[2]]);
        h = c2.apply(c1.apply(tf.concat([h, skip], 3), training), training);
      });
      return upsampleTo(tf.add(this.classifier.apply(h), this.bias) as tf.Tensor4D, outSize);
    });
  }
}
