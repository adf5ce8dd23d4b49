/**
 * InfoNCE (MoCo): logits = [q·k₊, q·queue] / T, cross-entropy with the positive as class 0.
 * The queue is stored [D, K] (as MoCo does) so that the negatives are one matmul without a transpose
 * (the fast BatchMatMul path on wasm).
 */
import * as tf from '@tensorflow/tfjs';

/** Row-wise log-softmax cross-entropy with the target in column 0: mean(logsumexp(l) − l₀). */
export function crossEntropyClass0(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const lse = tf.logSumExp(logits, 1); // [N]
    const pos = tf.reshape(tf.slice(logits, [0, 0], [-1, 1]), [-1]);
    return tf.mean(tf.sub(lse, pos)) as tf.Scalar;
  });
}

export interface InfoNceResult {
  loss: tf.Scalar;
  /** Logits [N, 1 + K] (already divided by T). */
  logits: tf.Tensor2D;
}

/**
 * @param q queries [N, D] (L2-normalised; gradient flows)
 * @param k positive keys [N, D] (L2-normalised; treated as constants by the caller)
 * @param queueT negatives [D, K]
 */
export function infoNce(q: tf.Tensor2D, k: tf.Tensor2D, queueT: tf.Tensor2D, temperature: number): InfoNceResult {
  if (!(temperature > 0)) throw new Error(`InfoNCE: temperature must be > 0, got ${temperature}`);
  return tf.tidy(() => {
    const pos = tf.sum(tf.mul(q, k), 1, true); // [N, 1]
    const neg = tf.matMul(q, queueT); // [N, K]
    const logits = tf.div(tf.concat([pos, neg], 1), temperature) as tf.Tensor2D;
    return { loss: crossEntropyClass0(logits), logits };
  });
}

/** Fraction of rows whose largest logit is column 0 (ties count as a miss unless column 0 is first). */
export async function top1Class0(logits: tf.Tensor2D): Promise<number> {
  const [n, m] = logits.shape;
  const v = await logits.data();
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const p = v[i * m];
    let best = true;
    for (let j = 1; j < m; j++)
      if (v[i * m + j] > p) {
        best = false;
        break;
      }
    if (best) hit++;
  }
  return n ? hit / n : 0;
}

/**
 * InfoNCE where the positive of row i is column i (logits [M, M]); optional additive mask [M, M]
 * (0 = allowed, a large negative = excluded). Used by the local loss. Returns the mean over rows.
 */
export function diagonalCrossEntropy(logits: tf.Tensor2D, mask?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const M = logits.shape[0];
    const l = mask ? tf.add(logits, mask) : logits;
    const lse = tf.logSumExp(l, 1);
    const diag = tf.sum(tf.mul(logits, tf.eye(M)), 1);
    return tf.mean(tf.sub(lse, diag)) as tf.Scalar;
  });
}
