/**
 * Preprocessing of CT for 2-D training (METHOD.md, "Data as the authors used it"):
 * HU windows, in-plane resampling (linear for images, nearest for labels), axial slices, optional
 * foreground-slice filtering, and train/val/test splits made by case, never by slice.
 */
import { DataError } from './errors';
import { shuffleInPlace, seededRandom, type RandomSource } from './random';
import { axialSliceOf, reorientToRAS, type Slice, type Volume } from './volume';

/**
 * Intensity normalisation.
 * - `abdomen`: clip to [−175, 250] HU, scale to [0, 1] (MONAI's BTCV recipe).
 * - `transunet`: clip to [−125, 275] HU, scale to [0, 1].
 * - `w400l40`: width 400, level 40 → [−160, 240] HU, scale to [0, 1].
 * - `window`: any [lo, hi] HU.
 * - `zscore`: no clipping; (HU + offset − mean) / std. The authors fed HU + 1024 with mean 884.5 and
 *   std 983.7: `{ kind: 'zscore', offset: 1024, mean: 884.5, std: 983.7 }` (AUTHORS_ZSCORE).
 */
export type IntensityPreset =
  | { kind: 'abdomen' }
  | { kind: 'transunet' }
  | { kind: 'w400l40' }
  | { kind: 'window'; lo: number; hi: number }
  | { kind: 'zscore'; mean: number; std: number; offset?: number };

export const AUTHORS_ZSCORE: IntensityPreset = { kind: 'zscore', offset: 1024, mean: 884.5, std: 983.7 };

export function presetWindow(p: IntensityPreset): [number, number] | null {
  switch (p.kind) {
    case 'abdomen':
      return [-175, 250];
    case 'transunet':
      return [-125, 275];
    case 'w400l40':
      return [40 - 200, 40 + 200];
    case 'window':
      return [p.lo, p.hi];
    case 'zscore':
      return null;
  }
}

/** Applies an intensity preset to HU values (new array). */
export function normalizeIntensity(hu: Float32Array, p: IntensityPreset): Float32Array {
  const out = new Float32Array(hu.length);
  const w = presetWindow(p);
  if (w) {
    const [lo, hi] = w;
    if (!(hi > lo)) throw new Error(`window [${lo}, ${hi}] is empty: the upper bound must exceed the lower`);
    const k = 1 / (hi - lo);
    for (let i = 0; i < hu.length; i++) {
      const x = hu[i] < lo ? lo : hu[i] > hi ? hi : hu[i];
      out[i] = (x - lo) * k;
    }
    return out;
  }
  const z = p as Extract<IntensityPreset, { kind: 'zscore' }>;
  if (!(z.std > 0)) throw new Error(`z-score std must be positive, got ${z.std}`);
  const off = (z.offset ?? 0) - z.mean;
  const inv = 1 / z.std;
  for (let i = 0; i < hu.length; i++) out[i] = (hu[i] + off) * inv;
  return out;
}

/**
 * Resizes a 2-D slice to width × height. Pixel centres are aligned (align_corners = false, as in
 * PyTorch's and TensorFlow's default resize): output pixel c samples input x = (c + 0.5)·W/w − 0.5.
 * `linear`: bilinear with edge clamping (images); `nearest`: the nearest input pixel (labels).
 */
export function resizeSlice(s: Slice, width: number, height: number, mode: 'linear' | 'nearest'): Slice {
  if (width === s.width && height === s.height) return { data: s.data.slice(), width, height };
  const out = new Float32Array(width * height);
  const fx = s.width / width;
  const fy = s.height / height;
  const W = s.width;
  const H = s.height;
  const d = s.data;
  if (mode === 'nearest') {
    const xs = Int32Array.from({ length: width }, (_, c) => Math.min(W - 1, Math.floor((c + 0.5) * fx)));
    for (let r = 0; r < height; r++) {
      const y = Math.min(H - 1, Math.floor((r + 0.5) * fy));
      for (let c = 0; c < width; c++) out[c + width * r] = d[xs[c] + W * y];
    }
    return { data: out, width, height };
  }
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let c = 0; c < width; c++) {
    const x = Math.max(0, Math.min(W - 1, (c + 0.5) * fx - 0.5));
    x0[c] = Math.floor(x);
    x1[c] = Math.min(W - 1, x0[c] + 1);
    wx[c] = x - x0[c];
  }
  for (let r = 0; r < height; r++) {
    const y = Math.max(0, Math.min(H - 1, (r + 0.5) * fy - 0.5));
    const y0 = Math.floor(y);
    const y1 = Math.min(H - 1, y0 + 1);
    const wy = y - y0;
    for (let c = 0; c < width; c++) {
      const a = d[x0[c] + W * y0] + wx[c] * (d[x1[c] + W * y0] - d[x0[c] + W * y0]);
      const b = d[x0[c] + W * y1] + wx[c] * (d[x1[c] + W * y1] - d[x0[c] + W * y1]);
      out[c + width * r] = a + wy * (b - a);
    }
  }
  return { data: out, width, height };
}

export interface SliceOptions {
  intensity: IntensityPreset;
  /** Target in-plane size [width, height]; omitted = keep the volume's grid. */
  size?: [number, number];
  /** Keep only slices whose label has at least this many foreground pixels (after resizing). 0 = keep all. */
  minForegroundPixels?: number;
}

export interface PreparedSlice {
  caseId: string;
  /** Axial index in the RAS-reoriented volume (0 = most inferior). */
  z: number;
  image: Slice;
  label?: Slice;
}

/**
 * Turns one case into normalised axial slices (RAS, radiological display convention), resized, with
 * optional foreground filtering. Image and label must share a grid; the error names the case.
 */
export function caseToSlices(caseId: string, image: Volume, label: Volume | undefined, opts: SliceOptions): PreparedSlice[] {
  const img = reorientToRAS(image);
  const lab = label ? reorientToRAS(label) : undefined;
  if (lab && (lab.shape.some((n, i) => n !== img.shape[i]) || !sameGrid(img.affine, lab.affine))) {
    throw new DataError(
      'label',
      `image grid ${img.shape.join('×')} and label grid ${lab.shape.join('×')} differ (shape or position); they must match voxel for voxel`,
      caseId,
    );
  }
  const norm = normalizeIntensity(img.data, opts.intensity);
  const [nx, ny, nz] = img.shape;
  const [w, h] = opts.size ?? [nx, ny];
  const minFg = opts.minForegroundPixels ?? 0;
  const out: PreparedSlice[] = [];
  for (let k = 0; k < nz; k++) {
    let labelSlice: Slice | undefined;
    if (lab) {
      labelSlice = resizeSlice({ data: axialSliceOf(lab.data, lab.shape, k), width: nx, height: ny }, w, h, 'nearest');
      if (minFg > 0) {
        let fg = 0;
        for (const v of labelSlice.data) if (v !== 0) fg++;
        if (fg < minFg) continue;
      }
    }
    const imageSlice = resizeSlice({ data: axialSliceOf(norm, img.shape, k), width: nx, height: ny }, w, h, 'linear');
    out.push({ caseId, z: k, image: imageSlice, label: labelSlice });
  }
  return out;
}

/** Same voxel grid within rounding: rotation/zoom entries to 1e-3, the origin to 1e-2 mm. */
export function sameGrid(a: number[][], b: number[][], tol = 1e-3): boolean {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (Math.abs(a[r][c] - b[r][c]) > tol * (c === 3 ? 10 : 1)) return false;
  return true;
}

export interface SplitFractions {
  train: number;
  val?: number;
  test?: number;
}

export interface CaseSplit {
  train: string[];
  val: string[];
  test: string[];
}

/**
 * Splits case identifiers (never slices) into train/val/test with a seeded shuffle. Fractions are
 * normalised; counts are rounded so that every non-zero fraction gets at least one case when there
 * are enough cases. The input order does not matter (ids are sorted first), so the same ids and seed
 * always give the same split.
 */
export function splitByCase(caseIds: readonly string[], fractions: SplitFractions, seed: number | RandomSource): CaseSplit {
  const ids = [...new Set(caseIds)].sort();
  if (ids.length !== caseIds.length) throw new Error('splitByCase: case identifiers must be unique');
  const f = [fractions.train, fractions.val ?? 0, fractions.test ?? 0];
  if (f.some((x) => !(x >= 0)) || f[0] + f[1] + f[2] <= 0)
    throw new Error(`splitByCase: fractions must be ≥ 0 and not all 0, got ${JSON.stringify(fractions)}`);
  const total = f[0] + f[1] + f[2];
  const n = ids.length;
  const counts = f.map((x) => Math.round((x / total) * n));
  for (let i = 1; i < 3; i++) if (f[i] > 0 && counts[i] === 0 && n >= 3) counts[i] = 1;
  counts[0] = n - counts[1] - counts[2];
  if (counts[0] < 0) throw new Error(`splitByCase: ${n} cases are too few for fractions ${JSON.stringify(fractions)}`);
  const r = typeof seed === 'number' ? seededRandom(`split/${seed}`) : seed;
  shuffleInPlace(r, ids);
  return {
    train: ids.slice(0, counts[0]).sort(),
    val: ids.slice(counts[0], counts[0] + counts[1]).sort(),
    test: ids.slice(counts[0] + counts[1]).sort(),
  };
}
