/**
 * Exact ZCA on the CPU (float64, ml-matrix's symmetric EigenvalueDecomposition: Householder + QL).
 * The test oracle for the whitening layer; also usable for diagnostic spectra of small matrices.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface ExactZca {
  /** Per-channel mean [C]. */
  mean: Float64Array;
  /** Covariance (+εI) [C×C], row-major. */
  sigma: Float64Array;
  /** Σ^{-1/2}, row-major [C×C]. */
  W: Float64Array;
  /** Eigenvalues of Σ (+εI), descending. */
  eigenvalues: Float64Array;
}

/** Covariance of rows (samples) of a row-major [m, C] matrix, biased (÷m), plus εI. */
export function covariance(data: ArrayLike<number>, m: number, C: number, epsilon = 0): { mean: Float64Array; sigma: Float64Array } {
  const mean = new Float64Array(C);
  for (let i = 0; i < m; i++) for (let j = 0; j < C; j++) mean[j] += data[i * C + j];
  for (let j = 0; j < C; j++) mean[j] /= m;
  const sigma = new Float64Array(C * C);
  const row = new Float64Array(C);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < C; j++) row[j] = data[i * C + j] - mean[j];
    for (let a = 0; a < C; a++) {
      const ra = row[a];
      for (let b = a; b < C; b++) sigma[a * C + b] += ra * row[b];
    }
  }
  for (let a = 0; a < C; a++) {
    for (let b = a; b < C; b++) {
      const v = sigma[a * C + b] / m;
      sigma[a * C + b] = v;
      sigma[b * C + a] = v;
    }
    sigma[a * C + a] += epsilon;
  }
  return { mean, sigma };
}

/** Σ^{-1/2} of a symmetric positive-definite row-major [C×C] matrix, and its eigenvalues (descending). */
export function inverseSqrtSym(sigma: ArrayLike<number>, C: number): { W: Float64Array; eigenvalues: Float64Array } {
  const rows: number[][] = [];
  for (let a = 0; a < C; a++) rows.push(Array.from({ length: C }, (_, b) => sigma[a * C + b]));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const lambda = evd.realEigenvalues;
  const U = evd.eigenvectorMatrix;
  const W = new Float64Array(C * C);
  for (let k = 0; k < C; k++) {
    if (!(lambda[k] > 0)) throw new Error(`inverseSqrtSym: eigenvalue ${lambda[k]} is not positive (add ε)`);
    const s = 1 / Math.sqrt(lambda[k]);
    for (let a = 0; a < C; a++) {
      const ua = U.get(a, k) * s;
      if (ua === 0) continue;
      for (let b = 0; b < C; b++) W[a * C + b] += ua * U.get(b, k);
    }
  }
  const eigenvalues = Float64Array.from(lambda).sort().reverse();
  return { W, eigenvalues };
}

/** Exact ZCA of row samples [m, C]: mean, Σ + εI, W = (Σ + εI)^{-1/2}. */
export function exactZca(data: ArrayLike<number>, m: number, C: number, epsilon = 1e-5): ExactZca {
  const { mean, sigma } = covariance(data, m, C, epsilon);
  const { W, eigenvalues } = inverseSqrtSym(sigma, C);
  return { mean, sigma, W, eigenvalues };
}

/** Applies (x − mean)·W to row samples [m, C] (W symmetric). */
export function applyWhitening(data: ArrayLike<number>, m: number, C: number, mean: ArrayLike<number>, W: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m * C);
  const row = new Float64Array(C);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < C; j++) row[j] = data[i * C + j] - mean[j];
    for (let b = 0; b < C; b++) {
      let s = 0;
      for (let a = 0; a < C; a++) s += row[a] * W[a * C + b];
      out[i * C + b] = s;
    }
  }
  return out;
}
