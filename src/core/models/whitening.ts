/**
 * Whitening (feature decorrelation) layer, METHOD.md "Remedy 2". Matrix products only (TensorFlow.js
 * has no eigendecomposition); automatic differentiation gives the gradient.
 *
 * Input [..., C] (NHWC); every spatial position of every image is a sample (m = N·H·W). Channels are
 * split into groups of c; per group: centre, Σ = Xc Xcᵀ/m + εI, then
 *  - `iternorm` (the authors' code): Σn = Σ/tr(Σ); T Newton steps P ← 1.5P − 0.5P³Σn from P = I;
 *    W = P/√tr(Σ). Defaults T = 5, ε = 1e-5, c = 64.
 *  - `zca`: coupled Newton–Schulz on A = Σ/‖Σ‖_F: Y₀ = A, Z₀ = I, T = ½(3I − ZY), Y ← YT, Z ← TZ;
 *    W = Z/√‖Σ‖_F → Σ^{-1/2}. Stops early when ‖WΣW − I‖_F/√c < tolerance (Z·Y = Z·A·Z = WΣW, so the
 *    check costs nothing extra but a scalar read). The uncoupled recursion NaNs in float32 beyond ~10
 *    steps (measured), so zca never uses it.
 * Output W·Xc, then a per-channel affine (γ, β). Every Newton step runs in its own tf.tidy.
 * Running mean and running W (momentum 0.1, PyTorch convention) are used in evaluation mode.
 *
 * Measured against the exact ZCA (zcaOracle.ts, float64 eigendecomposition), one group of c = 64,
 * m = 1024 samples, relative error of the output (identical on the cpu and wasm backends to 2 digits):
 *   cond(Σ)          13      100     1.2e3   9.8e3
 *   iternorm T=5     0.34    0.49    0.61    0.69    (partial whitening: the authors' layer, by design)
 *   iternorm T=10    1.1e-5  1.5e-2  0.16    0.33
 *   zca (≤20 steps)  3e-6    6e-6    1.1e-5  5e-5    (early stop after 8, 11, 13, 16 steps)
 * Cost on wasm (shared 2-core machine), forward + backward to x, input [64, 4, 4, 256] (the bench
 * encoder's last stage at batch 64, 128²): BatchNorm 7.6 ms; iternorm T=5, c=64: 68 ms; zca c=64:
 * 64 ms (7 steps); zca c=128: 107 ms; zca c=256: 308 ms. A training step there takes 2–4 s.
 */
import * as tf from '@tensorflow/tfjs';
import { backendReadsSync } from '../backend/syncReads';
import { ParamScope } from './module';

export type WhiteningMethod = 'iternorm' | 'zca';

export interface WhiteningOptions {
  /** Default 'iternorm'. */
  method?: WhiteningMethod;
  /** Channels per group (c). Default 64; clamped to the channel count; must divide it. */
  groupSize?: number;
  /** Newton steps: iternorm default 5; zca: maximum, default 20. */
  iterations?: number;
  /** Added to the covariance diagonal. Default 1e-5. */
  epsilon?: number;
  /** Running-statistic momentum (weight of the new batch value). Default 0.1. */
  momentum?: number;
  /** zca early stop on ‖WΣW − I‖_F/√c. Default 1e-5. */
  tolerance?: number;
  /** Per-channel γ, β after whitening. Default true. */
  affine?: boolean;
}

export interface ResolvedWhiteningOptions {
  method: WhiteningMethod;
  groupSize: number;
  iterations: number;
  epsilon: number;
  momentum: number;
  tolerance: number;
  affine: boolean;
}

/**
 * The uncoupled IterNorm recursion diverges in float32 beyond this many steps (measured, c = 64,
 * 1024 samples: T = 10 finite for cond(Σ) up to 1e4; T = 20 relative error 88 at cond 13 and NaN from
 * cond 100 on). Full whitening is what `zca` is for.
 */
export const ITERNORM_MAX_STABLE_ITERATIONS = 10;

export function resolveWhiteningOptions(o: WhiteningOptions = {}): ResolvedWhiteningOptions {
  const method = o.method ?? 'iternorm';
  if (method !== 'iternorm' && method !== 'zca') throw new Error(`whitening.method: '${String(method)}' is not 'iternorm' or 'zca'`);
  const r: ResolvedWhiteningOptions = {
    method,
    groupSize: o.groupSize ?? 64,
    iterations: o.iterations ?? (method === 'zca' ? 20 : 5),
    epsilon: o.epsilon ?? 1e-5,
    momentum: o.momentum ?? 0.1,
    tolerance: o.tolerance ?? 1e-5,
    affine: o.affine ?? true,
  };
  if (!Number.isInteger(r.groupSize) || r.groupSize < 1) throw new Error(`whitening.groupSize: ${r.groupSize} is not a positive integer`);
  if (!Number.isInteger(r.iterations) || r.iterations < 1)
    throw new Error(`whitening.iterations: ${r.iterations} is not a positive integer`);
  if (method === 'iternorm' && r.iterations > ITERNORM_MAX_STABLE_ITERATIONS) {
    throw new Error(
      `whitening.iterations: ${r.iterations} steps of 'iternorm' diverge in float32 (the uncoupled Newton recursion ` +
        `turns to NaN beyond ~${ITERNORM_MAX_STABLE_ITERATIONS} steps). For full whitening use method 'zca' ` +
        `(coupled Newton–Schulz, stable at 20+ steps), or keep iternorm at ≤ ${ITERNORM_MAX_STABLE_ITERATIONS} steps.`,
    );
  }
  if (!(r.epsilon >= 0)) throw new Error(`whitening.epsilon: ${r.epsilon} must be ≥ 0`);
  if (!(r.momentum >= 0 && r.momentum <= 1)) throw new Error(`whitening.momentum: ${r.momentum} must be in [0, 1]`);
  return r;
}

/** Effective group size for C channels (clamped), with a clear error when it does not divide C. */
export function effectiveGroupSize(channels: number, groupSize: number): number {
  const c = Math.min(groupSize, channels);
  if (c < 1 || channels % c !== 0) {
    throw new Error(
      `whitening: group size ${groupSize} does not divide the ${channels} channels; choose a divisor of ${channels} (e.g. 16, 32 or 64)`,
    );
  }
  return c;
}

/** Batched identity [G, c, c]. */
function eyeBatch(G: number, c: number): tf.Tensor3D {
  return tf.tidy(() => tf.tile(tf.expandDims(tf.eye(c), 0), [G, 1, 1]) as tf.Tensor3D);
}

/** [M, C] → [G, M, c] (group-major) and its transpose [G, c, M]. */
function toGroups(x2d: tf.Tensor2D, G: number, c: number): { xg: tf.Tensor3D; xgT: tf.Tensor3D } {
  const M = x2d.shape[0];
  const r = tf.reshape(x2d, [M, G, c]);
  return { xg: tf.transpose(r, [1, 0, 2]) as tf.Tensor3D, xgT: tf.transpose(r, [1, 2, 0]) as tf.Tensor3D };
}

/** [G, M, c] → [M, C]. */
function fromGroups(yg: tf.Tensor3D): tf.Tensor2D {
  const [G, M, c] = yg.shape;
  return tf.reshape(tf.transpose(yg, [1, 0, 2]), [M, G * c]) as tf.Tensor2D;
}

/** Σ + εI per group from group-major centred data: [G, c, c]. */
export function groupCovariance(xg: tf.Tensor3D, xgT: tf.Tensor3D, epsilon: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [G, M, c] = xg.shape;
    const s = tf.div(tf.matMul(xgT, xg), M);
    return tf.add(s, tf.mul(eyeBatch(G, c), epsilon)) as tf.Tensor3D;
  });
}

function batchTrace(s: tf.Tensor3D): tf.Tensor3D {
  const [G, c] = s.shape;
  return tf.reshape(tf.sum(tf.mul(s, tf.expandDims(tf.eye(c), 0)), [1, 2]), [G, 1, 1]) as tf.Tensor3D;
}

/** IterNorm whitening matrix W = P_T/√tr(Σ) for a batch of covariances [G, c, c]. */
export function iterNormMatrix(sigma: tf.Tensor3D, iterations: number): tf.Tensor3D {
  const [G, c] = sigma.shape;
  const tr = tf.tidy(() => batchTrace(sigma));
  const sn = tf.div(sigma, tr) as tf.Tensor3D;
  let P = eyeBatch(G, c);
  for (let k = 0; k < iterations; k++) {
    const prev = P;
    P = tf.tidy(() => {
      const P3 = tf.matMul(tf.matMul(prev, prev), prev);
      return tf.sub(tf.mul(prev, 1.5), tf.mul(tf.matMul(P3, sn), 0.5)) as tf.Tensor3D;
    });
    prev.dispose();
  }
  const W = tf.tidy(() => tf.div(P, tf.sqrt(tr)) as tf.Tensor3D);
  P.dispose();
  sn.dispose();
  tr.dispose();
  return W;
}

export interface ZcaResult {
  W: tf.Tensor3D;
  /** Newton–Schulz steps actually taken. */
  iterations: number;
  /** max over groups of ‖WΣW − I‖_F/√c at the returned W (NaN when not measured). */
  residual: number;
}

/**
 * ZCA whitening matrix Σ^{-1/2} by the coupled Newton–Schulz iteration with Frobenius normalisation.
 * Converges for any SPD Σ (the eigenvalues of A = Σ/‖Σ‖_F lie in (0, 1]).
 */
export function zcaNewtonSchulz(sigma: tf.Tensor3D, maxIterations = 20, tolerance = 1e-5): ZcaResult {
  const [G, c] = sigma.shape;
  const norm = tf.tidy(() => tf.reshape(tf.sqrt(tf.sum(tf.square(sigma), [1, 2])), [G, 1, 1]) as tf.Tensor3D);
  let Y = tf.div(sigma, norm) as tf.Tensor3D;
  let Z = eyeBatch(G, c);
  let residual = Number.NaN;
  let k = 0;
  const sqrtC = Math.sqrt(c);
  // Without synchronous reads (WebGPU) the residual cannot steer the loop: take every step, report NaN.
  const measure = backendReadsSync();
  for (; k <= maxIterations; k++) {
    const y0 = Y;
    const z0 = Z;
    const ZY = tf.matMul(z0, y0);
    // ZY = Z A Z = W Σ W for the current iterate.
    if (measure) {
      residual = tf.tidy(() => {
        const I = tf.expandDims(tf.eye(c), 0);
        return tf.max(tf.sqrt(tf.sum(tf.square(tf.sub(ZY, I)), [1, 2]))).dataSync()[0] / sqrtC;
      });
    }
    if ((measure && !(residual >= tolerance)) || k === maxIterations) {
      // Converged, out of steps, or NaN (reported through `residual`).
      ZY.dispose();
      break;
    }
    const next = tf.tidy(() => {
      const T = tf.mul(tf.sub(tf.mul(tf.expandDims(tf.eye(c), 0), 3), ZY), 0.5);
      return [tf.matMul(y0, T), tf.matMul(T, z0)] as [tf.Tensor3D, tf.Tensor3D];
    });
    ZY.dispose();
    y0.dispose();
    z0.dispose();
    [Y, Z] = next;
  }
  const W = tf.tidy(() => tf.div(Z, tf.sqrt(norm)) as tf.Tensor3D);
  Y.dispose();
  Z.dispose();
  norm.dispose();
  return { W, iterations: k, residual };
}

export interface WhitenResult {
  /** Whitened output, same shape as the input, before the affine. */
  y: tf.Tensor;
  /** Batch mean [C]. */
  mean: tf.Tensor1D;
  /** Whitening matrices [G, c, c]. */
  W: tf.Tensor3D;
  /** zca only: steps taken and final residual. */
  iterations: number;
  residual: number;
}

/** Batch whitening (training mode), without affine. Differentiable with respect to x. */
export function whitenBatch(x: tf.Tensor, options: WhiteningOptions = {}): WhitenResult {
  const o = resolveWhiteningOptions(options);
  const C = x.shape[x.shape.length - 1];
  const c = effectiveGroupSize(C, o.groupSize);
  const G = C / c;
  const M = x.size / C;
  let iterations = o.iterations;
  let residual = Number.NaN;
  const out = tf.tidy(() => {
    const x2 = tf.reshape(x, [M, C]) as tf.Tensor2D;
    const mean = tf.div(tf.matMul(tf.ones([1, M]), x2), M) as tf.Tensor2D; // [1, C]
    const xc = tf.sub(x2, mean) as tf.Tensor2D;
    const { xg, xgT } = toGroups(xc, G, c);
    const sigma = groupCovariance(xg, xgT, o.epsilon);
    let W: tf.Tensor3D;
    if (o.method === 'iternorm') {
      W = iterNormMatrix(sigma, o.iterations);
    } else {
      const r = zcaNewtonSchulz(sigma, o.iterations, o.tolerance);
      W = r.W;
      iterations = r.iterations;
      residual = r.residual;
    }
    // One scalar read per call: a NaN here would silently poison every weight after the next update.
    // Without synchronous reads (WebGPU) the step's loss carries the NaN instead, and the training
    // loop's non-finite guard stops the run before the update.
    const wsum = backendReadsSync() ? tf.sum(W).dataSync()[0] : 0;
    if (!Number.isFinite(wsum)) {
      const xsum = tf.sum(x2).dataSync()[0];
      throw new Error(
        Number.isFinite(xsum)
          ? `whitening (${o.method}): the whitening matrix is not finite (covariance of ${M} samples × ${c} channels per group; ` +
              `too few samples or ε = ${o.epsilon} too small?). Increase the batch size or whitening.epsilon.`
          : `whitening (${o.method}): its input contains NaN or Infinity (the layers before it diverged: lower the learning rate).`,
      );
    }
    // W is symmetric (a polynomial in Σ): x_i ↦ W x_i is X·W for row samples.
    const y = tf.reshape(fromGroups(tf.matMul(xg, W)), x.shape);
    return { y, mean: tf.reshape(mean, [C]) as tf.Tensor1D, W };
  });
  return { ...out, iterations, residual };
}

/** Whitening with given (running) statistics: (x − mean) per group times W. */
export function whitenWith(x: tf.Tensor, mean: tf.Tensor, W: tf.Tensor3D): tf.Tensor {
  return tf.tidy(() => {
    const C = x.shape[x.shape.length - 1];
    const [G, c] = W.shape;
    if (G * c !== C) throw new Error(`whitenWith: W is [${W.shape}] but the input has ${C} channels`);
    const M = x.size / C;
    const xc = tf.sub(tf.reshape(x, [M, C]), tf.reshape(mean, [1, C])) as tf.Tensor2D;
    const { xg } = toGroups(xc, G, c);
    return tf.reshape(fromGroups(tf.matMul(xg, W)), x.shape);
  });
}

/** The whitening layer: γ, β (params), running mean [C] and running W [G, c, c] (buffers). */
export class Whitening {
  readonly options: ResolvedWhiteningOptions;
  readonly groupSize: number;
  readonly groups: number;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;
  readonly runningMean: tf.Variable;
  readonly runningW: tf.Variable;
  /** Diagnostics of the last training-mode call (zca: steps and residual). */
  lastIterations = 0;
  lastResidual = Number.NaN;

  constructor(
    scope: ParamScope,
    readonly channels: number,
    options: WhiteningOptions = {},
  ) {
    this.options = resolveWhiteningOptions(options);
    this.groupSize = effectiveGroupSize(channels, this.options.groupSize);
    this.groups = channels / this.groupSize;
    this.gamma = this.options.affine ? scope.param('gamma', tf.ones([channels])) : null;
    this.beta = this.options.affine ? scope.param('beta', tf.zeros([channels])) : null;
    this.runningMean = scope.buffer('running_mean', tf.zeros([channels]));
    this.runningW = scope.buffer('running_wm', eyeBatch(this.groups, this.groupSize));
  }

  private affine(y: tf.Tensor): tf.Tensor {
    if (!this.gamma || !this.beta) return y;
    return tf.add(tf.mul(y, this.gamma), this.beta);
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    if (x.shape[x.shape.length - 1] !== this.channels) {
      throw new Error(`Whitening: input has ${x.shape[x.shape.length - 1]} channels, the layer was built for ${this.channels}`);
    }
    if (!training) {
      return tf.tidy(() => this.affine(whitenWith(x, this.runningMean, this.runningW as tf.Tensor as tf.Tensor3D)));
    }
    const r = whitenBatch(x, { ...this.options, groupSize: this.groupSize });
    this.lastIterations = r.iterations;
    this.lastResidual = r.residual;
    const m = this.options.momentum;
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(r.mean, m)));
      this.runningW.assign(tf.add(tf.mul(this.runningW, 1 - m), tf.mul(r.W, m)));
    });
    const out = tf.tidy(() => this.affine(r.y));
    r.y.dispose();
    r.mean.dispose();
    r.W.dispose();
    return out;
  }
}
