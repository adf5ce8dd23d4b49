/**
 * Segmentation loss (METHOD.md "Downstream segmentation"): cross-entropy + soft Dice.
 * Soft Dice per foreground class over the whole batch: 1 − (2Σp·y + ε)/(Σp + Σy + ε), averaged over
 * classes 1..K−1 (a class absent from the batch and not predicted contributes ≈ 0 loss thanks to ε).
 */
import * as tf from '@tensorflow/tfjs';

export interface SegLoss {
  total: tf.Scalar;
  ce: tf.Scalar;
  dice: tf.Scalar;
}

/**
 * @param logits [N, H, W, K]
 * @param labels int32 [N, H, W] class indices
 */
export function segmentationLoss(logits: tf.Tensor4D, labels: tf.Tensor3D, diceWeight: number, eps = 1): SegLoss {
  return tf.tidy(() => {
    const K = logits.shape[3];
    const flat = tf.reshape(logits, [-1, K]) as tf.Tensor2D;
    const y = tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, K) as tf.Tensor2D;
    const logp = tf.logSoftmax(flat);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(y, logp), 1))) as tf.Scalar;
    let dice = tf.scalar(0);
    if (K > 1 && diceWeight > 0) {
      const p = tf.exp(logp);
      const inter = tf.sum(tf.mul(p, y), 0);
      const denom = tf.add(tf.sum(p, 0), tf.sum(y, 0));
      const d = tf.div(tf.add(tf.mul(inter, 2), eps), tf.add(denom, eps)) as tf.Tensor1D;
      dice = tf.sub(1, tf.mean(tf.slice(d, [1], [K - 1]))) as tf.Scalar;
    }
    const total = (diceWeight > 0 ? tf.add(ce, tf.mul(dice, diceWeight)) : ce) as tf.Scalar;
    return { total, ce, dice };
  });
}
