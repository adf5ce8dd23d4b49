/** Deterministic initialisers drawing from the run's seeded generator (values made in JS, then uploaded). */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

/** He/Kaiming normal, fan-out mode (torchvision ResNet): filter [kh, kw, cin, cout]. */
export function kaimingNormalConv(rng: Rng, shape: [number, number, number, number]): tf.Tensor4D {
  const [kh, kw, , cout] = shape;
  const std = Math.sqrt(2 / (kh * kw * cout));
  return tf.tensor4d(rng.normalArray(shape[0] * shape[1] * shape[2] * shape[3], 0, std), shape);
}

/** PyTorch's default nn.Linear init: U(−1/√fanIn, 1/√fanIn) for weight [in, out] and bias [out]. */
export function linearUniform(rng: Rng, fanIn: number, shape: number[]): tf.Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return tf.tensor(
    rng.uniformArray(
      shape.reduce((a, c) => a * c, 1),
      -b,
      b,
    ),
    shape,
  );
}
