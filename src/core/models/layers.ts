/** Convolution and dense layers over explicit tf.Variables (NHWC, filters [kh, kw, cin, cout]). */
import * as tf from '@tensorflow/tfjs';
import { kaimingNormalConv, linearUniform } from './init';
import { ParamScope } from './module';

/** A normalisation slot: BatchNorm or whitening. */
export interface NormLayer {
  apply(x: tf.Tensor, training: boolean): tf.Tensor;
}

/** Bias-free 2-D convolution with PyTorch-style symmetric zero padding (⌊k/2⌋ by default). */
export class Conv2d {
  readonly weight: tf.Variable;
  readonly pad: number;

  constructor(
    scope: ParamScope,
    readonly kernel: number,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride = 1,
    pad?: number,
  ) {
    this.pad = pad ?? Math.floor(kernel / 2);
    this.weight = scope.param('weight', kaimingNormalConv(scope.rng, [kernel, kernel, inChannels, outChannels]));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.weight as tf.Tensor as tf.Tensor4D, this.stride, this.pad);
  }
}

/** Dense layer y = x·W + b with W stored [in, out] (no transposes: the fast matmul path on wasm). */
export class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    scope: ParamScope,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    this.weight = scope.param('weight', linearUniform(scope.rng, inFeatures, [inFeatures, outFeatures]));
    this.bias = bias ? scope.param('bias', linearUniform(scope.rng, inFeatures, [outFeatures])) : null;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y: tf.Tensor2D = tf.matMul(x, this.weight as tf.Tensor as tf.Tensor2D);
    return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
  }
}
