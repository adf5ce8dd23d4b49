/**
 * Linear segmentation head (METHOD.md "Linear evaluation"): a 1×1 convolution (with bias) from the
 * encoder's last feature map to per-class logits, upsampled bilinearly to the input size
 * (align_corners = false, as PyTorch's F.interpolate default).
 */
import * as tf from '@tensorflow/tfjs';
import { Conv2d } from '../layers';
import { Module, ParamScope } from '../module';

export class LinearHead extends Module {
  readonly conv: Conv2d;
  readonly bias: tf.Variable;

  constructor(
    scope: ParamScope,
    readonly inChannels: number,
    readonly numClasses: number,
  ) {
    super(scope);
    this.conv = new Conv2d(scope.scope('conv'), 1, inChannels, numClasses, 1, 0);
    this.bias = scope.param('bias', tf.zeros([numClasses]));
  }

  /** Logits at the feature map's resolution [N, h, w, K]. */
  logits(features: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(this.conv.apply(features), this.bias) as tf.Tensor4D);
  }

  /** Logits upsampled bilinearly to [N, outH, outW, K]. */
  forward(features: tf.Tensor4D, outSize: [number, number]): tf.Tensor4D {
    return tf.tidy(() => {
      const l = this.logits(features);
      if (l.shape[1] === outSize[0] && l.shape[2] === outSize[1]) return l;
      return tf.image.resizeBilinear(l, outSize, false, true);
    });
  }
}
