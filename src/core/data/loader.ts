/**
 * Streaming slice loader (issue 3, item 7): batches of preprocessed axial slices from any detected
 * layout (MSD, nnU-Net v2, BTCV, AbdomenCT-1K, paired PNG slice folders, unlabelled folders) or the
 * built-in phantom, without holding the dataset in memory.
 *
 * - **Index from headers**: opening a dataset reads only NIfTI headers (the first bytes of each file,
 *   gzip inflated just that far), DICOM headers (every file of a series, pixels not read: the series
 *   is checked — one series, CT, even spacing — and ordered) and PNG file lists, and builds the
 *   (case, slice) index. Labels are read
 *   at open time only when foreground-slice filtering needs them (one label volume at a time).
 * - **On demand, small LRU**: a case is read when one of its slices is first needed, turned into
 *   prepared slices (RAS, window/z-score, resized to the target size — the numbers of `caseToSlices`,
 *   computed in one fused pass per slice) and kept in an LRU of `cacheCases` prepared cases; the raw volume is
 *   dropped at once. Memory: one raw volume in flight per concurrent read plus the prepared cases.
 * - **Seeded, cache-friendly shuffling**: each epoch shuffles the case order, then the slices within
 *   windows of `shuffleWindow` cases (a shuffle buffer); with a window ≥ the number of cases it is a
 *   plain global shuffle. Order and augmentation depend only on (seed, epoch, batch index), never on
 *   timing, so prefetching does not change the numbers.
 * - **Prefetch**: `batches()` keeps `prefetch` batches in preparation ahead of the consumer; file reads
 *   and gunzip run asynchronously (libuv thread pool), so they overlap a training step.
 * - **Splits by case** (`splitByCase`): subsets share the index and the cache; slices of one case never
 *   straddle two subsets.
 *
 * Privacy: case identifiers come from file names (layouts.ts); no header text field is read.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { constants as zc, gunzipSync } from 'node:zlib';
import { planSeries, readDicomHeader, readDicomSeriesFiles, readDicomSeriesFilesSync } from './dicom';
import { DataError, type DataProblem } from './errors';
import { detectLayout, type DatasetLayout, type LayoutKind } from './layouts';
import { isGzip, niftiAffine, parseNiftiHeader, readNifti, readNiftiFile, type NiftiVolume } from './nifti';
import { generatePhantomCase, type PhantomOptions } from './phantom/generate';
import { decodeGrayPng, type GrayPng } from './png';
import { normalizeIntensity, presetWindow, resizeSlice, splitByCase, type IntensityPreset, type SplitFractions } from './preprocess';
import { seededRandom, shuffleInPlace, type RandomSource } from './random';
import { axisOrientation, reorientToRAS, type Slice, type Vec3, type Volume } from './volume';

export interface LoaderOptions {
  intensity: IntensityPreset;
  /** Target in-plane size [width, height]; omitted = each case's own grid. */
  size?: [number, number];
  /** Load label slices with the images (needs a labelled layout). Default false. */
  labels?: boolean;
  /** Keep only slices whose resized label has at least this many foreground pixels. 0 = all. */
  minForegroundPixels?: number;
  /** Prepared cases kept in memory (LRU). Default 8. */
  cacheCases?: number;
  /** Cases whose slices are shuffled together in an epoch. Default max(1, cacheCases / 2). */
  shuffleWindow?: number;
}

/** One case of the index. */
export interface IndexedCase {
  id: string;
  kind: 'nifti' | 'dicom' | 'png' | 'phantom';
  images: string[];
  labels?: string[];
  /** Axial slices (after reorientation to RAS), and the in-plane grid before resizing. */
  depth: number;
  width: number;
  height: number;
  /** The axial indices served (all of them unless foreground filtering dropped some). */
  slices: number[];
  phantom?: { index: number; options: PhantomOptions };
}

export interface SliceRef {
  /** Index into the dataset's `cases`. */
  caseIndex: number;
  /** Axial index within the case (0 = most inferior for volumes; the file order for PNG slices). */
  z: number;
}

export interface LoadedSlice {
  caseId: string;
  z: number;
  /** Normalised intensities at the target size. */
  image: Slice;
  /** Label values at the target size (nearest), when the loader was asked for labels. */
  label?: Slice;
}

interface PreparedCase {
  images: Map<number, Slice>;
  labels?: Map<number, Slice>;
}

export interface Batch<T> {
  /** 0-based batch index within the epoch. */
  index: number;
  slices: LoadedSlice[];
  /** What the transform made of the slices (undefined without a transform). */
  value: T;
}

export interface BatchOptions<T> {
  batchSize: number;
  /** Seeds the slice order (with the epoch) and the generator passed to `transform`. */
  seed: number;
  epoch?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Drop a last incomplete batch. Default true. */
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer. Default 2. */
  prefetch?: number;
  /** Per-batch work done ahead of time (e.g. two-view augmentation), with a generator seeded from (seed, epoch, batch). */
  transform?: (slices: LoadedSlice[], r: RandomSource, batchIndex: number) => T;
}

const HEADER_BYTES = 64 * 1024;

/** The NIfTI header of a file from its first bytes only (gzip inflated as far as those bytes go). */
export function readNiftiHeaderOnly(file: string, caseId?: string): ReturnType<typeof parseNiftiHeader> {
  let head: Buffer;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
  try {
    head = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, head, 0, HEADER_BYTES, 0);
    head = head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  let buf: Uint8Array = head;
  if (isGzip(head)) {
    try {
      buf = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new DataError(path.basename(file), `corrupt gzip data (${(e as Error).message}); copy or export the file again`, caseId);
    }
  }
  try {
    return parseNiftiHeader(buf, path.basename(file));
  } catch (e) {
    if (e instanceof DataError) throw new DataError(e.file, e.reason, caseId);
    throw e;
  }
}

/** Shape after reorientation to RAS, from a header alone; checks that the file holds one 3-D volume. */
function headerShape(file: string, caseId: string): Vec3 {
  const h = readNiftiHeaderOnly(file, caseId);
  const name = path.basename(file);
  const dims = h.dims.slice(1, h.ndim + 1);
  const spatial: Vec3 = [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
  if (h.ndim < 3 || spatial.filter((d) => d > 1).length < 2) throw new DataError(name, `${Math.min(h.ndim, spatial.filter((d) => d > 1).length)}-D image with shape [${dims.join(', ')}]; a volume needs 3 spatial dimensions`, caseId);
  const frames = dims.slice(3).reduce((a, b) => a * b, 1);
  if (frames > 1) throw new DataError(name, `${h.ndim}-D image with shape [${dims.join(', ')}] (${frames} frames); a CT volume must be 3-D`, caseId);
  const { world } = axisOrientation(niftiAffine(h).affine);
  const out: number[] = [0, 0, 0];
  for (let v = 0; v < 3; v++) out[world[v]] = spatial[v];
  return out as Vec3;
}

/** Shape after reorientation to RAS of a DICOM series, from its files' headers (every file checked: one series, CT, even spacing). */
function dicomSeriesShape(files: string[], caseId: string): Vec3 {
  const plan = planSeries(files.map((f) => readDicomHeader(f, caseId)), caseId);
  const { world } = axisOrientation(plan.affine);
  const out: number[] = [0, 0, 0];
  for (let v = 0; v < 3; v++) out[world[v]] = plan.shape[v];
  return out as Vec3;
}

/** PNG width and height from the IHDR chunk (no decoding). */
function pngSize(file: string, caseId: string): [number, number] {
  const b = Buffer.alloc(24);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
  try {
    readSync(fd, b, 0, 24, 0);
  } finally {
    closeSync(fd);
  }
  if (b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR') throw new DataError(path.basename(file), 'not a PNG file (no PNG signature)', caseId);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

/** A PNG slice as intensities: 16-bit = HU + 1024 (the authors' format) → HU; 8-bit = an already windowed image → [0, 1]. */
function pngToIntensity(png: GrayPng, intensity: IntensityPreset): Slice {
  const n = png.width * png.height;
  if (png.depth === 8) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = png.data[i] / 255;
    return { data: out, width: png.width, height: png.height };
  }
  const hu = new Float32Array(n);
  for (let i = 0; i < n; i++) hu[i] = png.data[i] - 1024;
  return { data: normalizeIntensity(hu, intensity), width: png.width, height: png.height };
}

/** Shared between a dataset and its subsets: the index, the LRU of prepared cases, reads in flight. */
class CaseStore {
  readonly cache = new Map<number, PreparedCase>();
  readonly inFlight = new Map<number, Promise<PreparedCase>>();
  /** Case reads so far (tests, bench). */
  reads = 0;
  constructor(readonly cases: IndexedCase[], readonly opts: LoaderOptions, readonly capacity: number) {}

  /** Puts a prepared case in the LRU (most recent), evicting the least recent past capacity. */
  remember(ci: number, p: PreparedCase): PreparedCase {
    this.cache.delete(ci);
    this.cache.set(ci, p);
    while (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as number);
    return p;
  }

  cached(ci: number): PreparedCase | undefined {
    const p = this.cache.get(ci);
    if (p) this.remember(ci, p);
    return p;
  }

  getSync(ci: number): PreparedCase {
    return this.cached(ci) ?? this.remember(ci, this.prepare(ci, this.readSync(ci)));
  }

  getAsync(ci: number): Promise<PreparedCase> {
    const hit = this.cached(ci);
    if (hit) return Promise.resolve(hit);
    let p = this.inFlight.get(ci);
    if (!p) {
      p = this.readAsync(ci).then((raw) => this.remember(ci, this.prepare(ci, raw)));
      this.inFlight.set(ci, p);
      const clear = () => this.inFlight.delete(ci);
      p.then(clear, clear);
    }
    return p;
  }

  private readSync(ci: number): RawCase {
    const c = this.cases[ci];
    this.reads++;
    const wantLabel = Boolean(this.opts.labels || (this.opts.minForegroundPixels ?? 0) > 0);
    if (c.kind === 'phantom') {
      const pc = generatePhantomCase(c.phantom!.index, c.phantom!.options);
      return { volume: { image: pc.image, label: wantLabel ? pc.label : undefined } };
    }
    if (c.kind === 'dicom') return { volume: { image: readDicomSeriesFilesSync(c.images, c.id) } };
    if (c.kind === 'nifti') {
      const rd = (f: string) => readNifti(readBytesSync(f, c.id), { file: path.basename(f), caseId: c.id, reorient: false });
      return { volume: { image: rd(c.images[0]), label: wantLabel && c.labels ? rd(c.labels[0]) : undefined } };
    }
    const dec = (f: string) => decodeGrayPng(readBytesSync(f, c.id), path.basename(f), c.id);
    return { png: { images: c.slices.map((z) => dec(c.images[z])), labels: wantLabel && c.labels ? c.slices.map((z) => dec(c.labels![z])) : undefined } };
  }

  private async readAsync(ci: number): Promise<RawCase> {
    const c = this.cases[ci];
    if (c.kind === 'phantom') return this.readSync(ci);
    this.reads++;
    const wantLabel = Boolean(this.opts.labels || (this.opts.minForegroundPixels ?? 0) > 0);
    if (c.kind === 'dicom') return { volume: { image: await readDicomSeriesFiles(c.images, c.id) } };
    if (c.kind === 'nifti') {
      const [image, label] = await Promise.all([
        readNiftiFile(c.images[0], { caseId: c.id, reorient: false }),
        wantLabel && c.labels ? readNiftiFile(c.labels[0], { caseId: c.id, reorient: false }) : Promise.resolve(undefined),
      ]);
      return { volume: { image, label } };
    }
    const dec = async (f: string) => decodeGrayPng(await readBytesAsync(f, c.id), path.basename(f), c.id);
    const images = await Promise.all(c.slices.map((z) => dec(c.images[z])));
    const labels = wantLabel && c.labels ? await Promise.all(c.slices.map((z) => dec(c.labels![z]))) : undefined;
    return { png: { images, labels } };
  }

  /** Raw case → prepared slices at the target size (the raw data is dropped by the caller). */
  prepare(ci: number, raw: RawCase): PreparedCase {
    const c = this.cases[ci];
    const o = this.opts;
    const images = new Map<number, Slice>();
    const labels = o.labels ? new Map<number, Slice>() : undefined;
    if (raw.volume) {
      const { image, label } = raw.volume;
      const nan = (image as Partial<NiftiVolume>).nanCount ?? 0;
      if (nan > 0) throw new DataError(path.basename(c.images[0] ?? c.id), `${nan} NaN voxels; the image must be finite everywhere (fix or mask them before training)`, c.id);
      // Volumes stay in their stored voxel order: the RAS reorientation is folded into the indexing.
      let img: Volume = image;
      let lab: Volume | undefined = label;
      if (lab && (lab.shape.some((n, i) => n !== img.shape[i]) || !sameGrid(img.affine, lab.affine))) {
        img = reorientToRAS(img); // stored differently: compare (and read) both in RAS
        lab = reorientToRAS(lab);
        if (lab.shape.some((n, i) => n !== img.shape[i]) || !sameGrid(img.affine, lab.affine)) {
          throw new DataError(path.basename(c.labels?.[0] ?? 'label'), `image grid ${img.shape.join('×')} and label grid ${lab.shape.join('×')} differ (shape or position); they must match voxel for voxel`, c.id);
        }
      }
      const ras = rasIndexing(img.shape, img.affine);
      if (ras.shape[2] !== c.depth) throw new DataError(path.basename(c.images[0] ?? c.id), `has ${ras.shape[2]} axial slices, its header announced ${c.depth} when the dataset was opened (the file changed?)`, c.id);
      const [w, h] = o.size ?? [ras.shape[0], ras.shape[1]];
      const norm = normalizer(o.intensity);
      const linearPlan = samplePlan(ras, w, h, true);
      const nearestPlan = labels && lab ? samplePlan(ras, w, h, false) : null;
      for (const z of c.slices) {
        images.set(z, fusedAxialSlice(img.data, ras, z, linearPlan, norm));
        if (labels && lab && nearestPlan) labels.set(z, fusedAxialSlice(lab.data, ras, z, nearestPlan, null));
      }
      return { images, labels };
    }
    const png = raw.png!;
    c.slices.forEach((z, i) => {
      const img = png.images[i];
      const src = pngToIntensity(img, o.intensity);
      const [w, h] = o.size ?? [img.width, img.height];
      images.set(z, resizeSlice(src, w, h, 'linear'));
      if (labels && png.labels) {
        const l = png.labels[i];
        if (l.width !== img.width || l.height !== img.height) throw new DataError(path.basename(c.labels![z]), `label is ${l.width}×${l.height}, its image is ${img.width}×${img.height}`, c.id);
        labels.set(z, resizeSlice({ data: Float32Array.from(l.data), width: l.width, height: l.height }, w, h, 'nearest'));
      }
    });
    return { images, labels };
  }
}

/**
 * The intensity preset as numbers: a window [lo, hi] scaled by k, or a z-score (v + off)·inv. The fused
 * path applies it inline with the float32 rounding of `normalizeIntensity` (no per-voxel closure), so
 * that it gives the same numbers as `caseToSlices`.
 */
interface Norm {
  window: boolean;
  lo: number;
  hi: number;
  k: number;
  off: number;
  inv: number;
}

function normalizer(p: IntensityPreset): Norm {
  const w = presetWindow(p);
  if (w) {
    const [lo, hi] = w;
    if (!(hi > lo)) throw new Error(`window [${lo}, ${hi}] is empty: the upper bound must exceed the lower`);
    return { window: true, lo, hi, k: 1 / (hi - lo), off: 0, inv: 1 };
  }
  const z = p as Extract<IntensityPreset, { kind: 'zscore' }>;
  if (!(z.std > 0)) throw new Error(`z-score std must be positive, got ${z.std}`);
  return { window: false, lo: 0, hi: 0, k: 1, off: (z.offset ?? 0) - z.mean, inv: 1 / z.std };
}

/**
 * Per-(grid, size) sampling plan of the fused slice: stored-voxel offsets of the two neighbour columns
 * and rows of every output pixel and the bilinear weights (nearest: one column/row each). Computed once
 * per case, not per slice or per pixel.
 */
interface SamplePlan {
  w: number;
  h: number;
  linear: boolean;
  cx0: Int32Array;
  cx1: Int32Array;
  /** float32, as `resizeSlice` keeps them (same numbers). */
  wx: Float32Array;
  ry0: Int32Array;
  ry1: Int32Array;
  wy: Float64Array;
}

/**
 * One axis of a plan: for each of `m` output pixels, the two flipped source offsets (n − 1 − i) × stride
 * and the weight of the second; nearest (one offset) without `linear`, the identity at equal size.
 */
function axisTaps(n: number, m: number, stride: number, linear: boolean, i0: Int32Array, i1: Int32Array, wt: Float32Array | Float64Array): void {
  const f = n / m;
  for (let k = 0; k < m; k++) {
    if (m === n) {
      i0[k] = i1[k] = (n - 1 - k) * stride;
    } else if (!linear) {
      i0[k] = i1[k] = (n - 1 - Math.min(n - 1, Math.floor((k + 0.5) * f))) * stride;
    } else {
      const x = Math.max(0, Math.min(n - 1, (k + 0.5) * f - 0.5));
      const x0 = Math.floor(x);
      i0[k] = (n - 1 - x0) * stride;
      i1[k] = (n - 1 - Math.min(n - 1, x0 + 1)) * stride;
      wt[k] = x - x0;
    }
  }
}

function samplePlan(ras: RasIndexing, w: number, h: number, linear: boolean): SamplePlan {
  const [nx, ny] = ras.shape;
  const [s0, s1] = ras.stride;
  const cx0 = new Int32Array(w);
  const cx1 = new Int32Array(w);
  const wx = new Float32Array(w);
  const ry0 = new Int32Array(h);
  const ry1 = new Int32Array(h);
  const wy = new Float64Array(h);
  // slice pixel (c, r) = RAS voxel (nx − 1 − c, ny − 1 − r, z)
  axisTaps(nx, w, s0, linear, cx0, cx1, wx);
  axisTaps(ny, h, s1, linear, ry0, ry1, wy);
  return { w, h, linear: linear && !(w === nx && h === ny), cx0, cx1, wx, ry0, ry1, wy };
}

/**
 * Axial slice z of a RAS volume in the display convention of `axialSlice` (row r, column c = voxel
 * (nx − 1 − c, ny − 1 − r, z)), normalised and resized to w × h in one pass: bilinear with `norm` (images),
 * nearest without (labels). Equal, number for number, to `resizeSlice(normalize(axialSlice))` as
 * `caseToSlices` computes it, without normalising or copying the whole volume. The voxel offsets and
 * weights come from a precomputed plan, and the normalisation is inline (data bench: ~3× faster than
 * a per-voxel closure).
 */
function fusedAxialSlice(data: Float32Array, ras: RasIndexing, z: number, plan: SamplePlan, norm: Norm | null): Slice {
  const { w, h, cx0, cx1, wx, ry0, ry1, wy } = plan;
  const base = ras.start + z * ras.stride[2];
  const out = new Float32Array(w * h);
  if (!norm || !plan.linear) {
    // same grid (any preset) or nearest (labels): one voxel per pixel
    const win = norm?.window ?? false;
    const lo = norm?.lo ?? 0;
    const hi = norm?.hi ?? 0;
    const k = norm?.k ?? 1;
    const off = norm?.off ?? 0;
    const inv = norm?.inv ?? 1;
    for (let r = 0; r < h; r++) {
      const row = base + ry0[r];
      const o = w * r;
      if (!norm) for (let c = 0; c < w; c++) out[o + c] = data[row + cx0[c]];
      else if (win) {
        for (let c = 0; c < w; c++) {
          const v = data[row + cx0[c]];
          out[o + c] = ((v < lo ? lo : v > hi ? hi : v) - lo) * k;
        }
      } else for (let c = 0; c < w; c++) out[o + c] = (data[row + cx0[c]] + off) * inv;
    }
    return { data: out, width: w, height: h };
  }
  const f = Math.fround;
  if (norm.window) {
    const { lo, hi, k } = norm;
    for (let r = 0; r < h; r++) {
      const b0 = base + ry0[r];
      const b1 = base + ry1[r];
      const ty = wy[r];
      const o = w * r;
      for (let c = 0; c < w; c++) {
        const c0 = cx0[c];
        const c1 = cx1[c];
        let v = data[b0 + c0];
        const p00 = f(((v < lo ? lo : v > hi ? hi : v) - lo) * k);
        v = data[b0 + c1];
        const p10 = f(((v < lo ? lo : v > hi ? hi : v) - lo) * k);
        v = data[b1 + c0];
        const p01 = f(((v < lo ? lo : v > hi ? hi : v) - lo) * k);
        v = data[b1 + c1];
        const p11 = f(((v < lo ? lo : v > hi ? hi : v) - lo) * k);
        const tx = wx[c];
        const a = p00 + tx * (p10 - p00);
        const b = p01 + tx * (p11 - p01);
        out[o + c] = a + ty * (b - a);
      }
    }
  } else {
    const { off, inv } = norm;
    for (let r = 0; r < h; r++) {
      const b0 = base + ry0[r];
      const b1 = base + ry1[r];
      const ty = wy[r];
      const o = w * r;
      for (let c = 0; c < w; c++) {
        const c0 = cx0[c];
        const c1 = cx1[c];
        const p00 = f((data[b0 + c0] + off) * inv);
        const p10 = f((data[b0 + c1] + off) * inv);
        const p01 = f((data[b1 + c0] + off) * inv);
        const p11 = f((data[b1 + c1] + off) * inv);
        const tx = wx[c];
        const a = p00 + tx * (p10 - p00);
        const b = p01 + tx * (p11 - p01);
        out[o + c] = a + ty * (b - a);
      }
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * Prepared axial slices of a volume in its stored voxel order (the loader's fused path: RAS indexing,
 * window/z-score, bilinear resize to `size`), for the given axial indices (default all). The data
 * bench times it on its own.
 */
export function prepareVolumeSlices(vol: Volume, intensity: IntensityPreset, size?: [number, number], zs?: readonly number[]): Slice[] {
  const ras = rasIndexing(vol.shape, vol.affine);
  const [w, h] = size ?? [ras.shape[0], ras.shape[1]];
  const plan = samplePlan(ras, w, h, true);
  const norm = normalizer(intensity);
  return (zs ?? Array.from({ length: ras.shape[2] }, (_, z) => z)).map((z) => fusedAxialSlice(vol.data, ras, z, plan, norm));
}

/** Where RAS voxel (i, j, k) of a stored volume lives: start + i·stride[0] + j·stride[1] + k·stride[2] (as `reorientArray`). */
interface RasIndexing {
  shape: Vec3;
  stride: Vec3;
  start: number;
}

function rasIndexing(shape: Vec3, affine: number[][]): RasIndexing {
  const { world, sign } = axisOrientation(affine);
  const inStride = [1, shape[0], shape[0] * shape[1]];
  const stride: number[] = [0, 0, 0];
  const out: number[] = [0, 0, 0];
  let start = 0;
  for (let v = 0; v < 3; v++) {
    out[world[v]] = shape[v];
    stride[world[v]] = sign[v] * inStride[v];
    if (sign[v] < 0) start += (shape[v] - 1) * inStride[v];
  }
  return { shape: out as Vec3, stride: stride as Vec3, start };
}

function sameGrid(a: number[][], b: number[][], tol = 1e-3): boolean {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (Math.abs(a[r][c] - b[r][c]) > tol * (c === 3 ? 10 : 1)) return false;
  return true;
}

interface RawCase {
  volume?: { image: Volume | NiftiVolume; label?: Volume };
  png?: { images: GrayPng[]; labels?: GrayPng[] };
}

function readBytesSync(file: string, caseId: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
}

async function readBytesAsync(file: string, caseId: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
}

/** A set of cases and their slices, read on demand. `open`/`phantom` make one; `subset`/`split` share its cache. */
export class SliceDataset {
  /** Slice references in case order, then axial order. */
  readonly refs: SliceRef[];

  private constructor(
    private readonly store: CaseStore,
    /** Indices into `store.cases` of the cases in this dataset (sorted by id). */
    readonly caseIndices: number[],
    readonly layout: LayoutKind | 'phantom',
    readonly labelNames: Record<number, string> | undefined,
  ) {
    this.refs = caseIndices.flatMap((ci) => store.cases[ci].slices.map((z) => ({ caseIndex: ci, z })));
  }

  /**
   * Opens a dataset folder (any layout `detectLayout` knows): the index is built from headers. Problems of
   * the layout (missing files, bad dataset.json) or of a header are thrown together as one DataError
   * naming the first and counting the rest, unless `ignoreProblems` — then unreadable cases are skipped.
   */
  static open(root: string | DatasetLayout, opts: LoaderOptions & { ignoreProblems?: boolean }): SliceDataset {
    const layout = typeof root === 'string' ? detectLayout(root) : root;
    const minFg = opts.minForegroundPixels ?? 0;
    const needLabels = Boolean(opts.labels) || minFg > 0;
    // Without labels (pretraining), problems that concern only labels or masks do not stop the loader.
    const problems: DataProblem[] = layout.problems.filter((p) => needLabels || !isLabelProblem(p));
    const cases: IndexedCase[] = [];
    if (needLabels) {
      for (const c of layout.cases) if (!c.labels) problems.push({ caseId: c.id, file: c.images[0], message: 'has no label, and labels are needed (labels or foreground-slice filtering)' });
    }
    for (const c of layout.cases) {
      try {
        if (layout.kind === 'dicom') {
          const [width, height, depth] = dicomSeriesShape(c.images, c.id);
          cases.push({ id: c.id, kind: 'dicom', images: c.images, depth, width, height, slices: Array.from({ length: depth }, (_, z) => z) });
        } else if (layout.unit === 'volume') {
          const [width, height, depth] = headerShape(c.images[0], c.id);
          cases.push({ id: c.id, kind: 'nifti', images: c.images, labels: c.labels, depth, width, height, slices: Array.from({ length: depth }, (_, z) => z) });
        } else {
          const [width, height] = pngSize(c.images[0], c.id);
          cases.push({ id: c.id, kind: 'png', images: c.images, labels: c.labels, depth: c.images.length, width, height, slices: c.images.map((_, z) => z) });
        }
      } catch (e) {
        if (e instanceof DataError) problems.push({ caseId: e.caseId ?? c.id, file: e.file, message: e.reason });
        else throw e;
      }
    }
    if (problems.length > 0 && !opts.ignoreProblems) {
      const p = problems[0];
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; 'medssl inspect ${layout.root}' lists them all)` : '';
      throw new DataError(p.file ?? layout.root, p.message + more, p.caseId);
    }
    const ok = new Set(problems.map((p) => p.caseId));
    const usable = opts.ignoreProblems ? cases.filter((c) => !ok.has(c.id)) : cases;
    if (usable.length === 0) throw new DataError(layout.root, 'no readable cases', undefined);
    const store = new CaseStore(usable, opts, Math.max(1, opts.cacheCases ?? 8));
    if (minFg > 0) filterForeground(store, minFg);
    const ds = new SliceDataset(store, usable.map((_, i) => i).filter((i) => usable[i].slices.length > 0), layout.kind, layout.labelNames);
    return ds;
  }

  /** The built-in phantom as a dataset: cases generated on demand (seeded), never all at once. */
  static phantom(count: number, phantom: PhantomOptions & { shape: Vec3 }, opts: LoaderOptions): SliceDataset {
    const [nx, ny, nz] = phantom.shape;
    const cases: IndexedCase[] = Array.from({ length: count }, (_, i) => ({
      id: `phantom_${String(i).padStart(3, '0')}`,
      kind: 'phantom' as const,
      images: [],
      depth: nz,
      width: nx,
      height: ny,
      slices: Array.from({ length: nz }, (_, z) => z),
      phantom: { index: i, options: phantom },
    }));
    const store = new CaseStore(cases, opts, Math.max(1, opts.cacheCases ?? 8));
    const minFg = opts.minForegroundPixels ?? 0;
    if (minFg > 0) filterForeground(store, minFg);
    return new SliceDataset(store, cases.map((_, i) => i).filter((i) => cases[i].slices.length > 0), 'phantom', undefined);
  }

  get cases(): IndexedCase[] {
    return this.caseIndices.map((ci) => this.store.cases[ci]);
  }
  get caseIds(): string[] {
    return this.cases.map((c) => c.id);
  }
  get length(): number {
    return this.refs.length;
  }
  /** Case reads since the dataset was opened (shared with subsets). */
  get reads(): number {
    return this.store.reads;
  }
  get cacheCapacity(): number {
    return this.store.capacity;
  }

  /** The cases with these ids (sharing this dataset's index and cache). */
  subset(ids: readonly string[]): SliceDataset {
    const want = new Set(ids);
    return new SliceDataset(this.store, this.caseIndices.filter((ci) => want.has(this.store.cases[ci].id)), this.layout, this.labelNames);
  }

  /** Split by case, never by slice (`splitByCase`, seeded). */
  split(fractions: SplitFractions, seed: number): { train: SliceDataset; val: SliceDataset; test: SliceDataset } {
    const s = splitByCase(this.caseIds, fractions, seed);
    return { train: this.subset(s.train), val: this.subset(s.val), test: this.subset(s.test) };
  }

  private loaded(ref: SliceRef, p: PreparedCase): LoadedSlice {
    const c = this.store.cases[ref.caseIndex];
    return { caseId: c.id, z: ref.z, image: p.images.get(ref.z)!, label: p.labels?.get(ref.z) };
  }

  /** Slice i of `refs`, read synchronously if its case is not cached. */
  getSync(i: number): LoadedSlice {
    const ref = this.refs[i];
    if (!ref) throw new RangeError(`slice ${i} is outside 0..${this.refs.length - 1}`);
    return this.loaded(ref, this.store.getSync(ref.caseIndex));
  }

  async get(i: number): Promise<LoadedSlice> {
    const ref = this.refs[i];
    if (!ref) throw new RangeError(`slice ${i} is outside 0..${this.refs.length - 1}`);
    return this.loaded(ref, await this.store.getAsync(ref.caseIndex));
  }

  /**
   * The slice order of an epoch (indices into `refs`): cases shuffled, then slices shuffled within
   * windows of `shuffleWindow` cases. Deterministic in (seed, epoch).
   */
  epochOrder(seed: number, epoch = 0, shuffle = true): number[] {
    const byCase = new Map<number, number[]>();
    this.refs.forEach((r, i) => {
      if (!byCase.has(r.caseIndex)) byCase.set(r.caseIndex, []);
      byCase.get(r.caseIndex)!.push(i);
    });
    const caseOrder = [...byCase.keys()];
    if (!shuffle) return caseOrder.flatMap((ci) => byCase.get(ci)!);
    const r = seededRandom(`loader/${seed}/${epoch}`);
    shuffleInPlace(r, caseOrder);
    const w = Math.max(1, this.store.opts.shuffleWindow ?? Math.floor(this.store.capacity / 2));
    const out: number[] = [];
    for (let k = 0; k < caseOrder.length; k += w) {
      const pool = caseOrder.slice(k, k + w).flatMap((ci) => byCase.get(ci)!);
      out.push(...shuffleInPlace(r, pool));
    }
    return out;
  }

  /** One epoch of batches, prepared `prefetch` batches ahead of the consumer. */
  async *batches<T = undefined>(o: BatchOptions<T>): AsyncGenerator<Batch<T>> {
    const epoch = o.epoch ?? 0;
    const order = this.epochOrder(o.seed, epoch, o.shuffle ?? true);
    const B = o.batchSize;
    if (!(Number.isInteger(B) && B >= 1)) throw new RangeError(`batchSize must be a whole number ≥ 1, got ${B}`);
    const n = o.dropLast === false ? Math.ceil(order.length / B) : Math.floor(order.length / B);
    const ahead = Math.max(0, o.prefetch ?? 2);
    const make = async (b: number): Promise<Batch<T>> => {
      const idx = order.slice(b * B, (b + 1) * B);
      const refs = idx.map((i) => this.refs[i]);
      const uniq = [...new Set(refs.map((r) => r.caseIndex))];
      const prepared = new Map<number, PreparedCase>();
      await Promise.all(uniq.map(async (ci) => prepared.set(ci, await this.store.getAsync(ci))));
      const slices = refs.map((r) => this.loaded(r, prepared.get(r.caseIndex)!));
      const value = o.transform ? o.transform(slices, seededRandom(`loader-batch/${o.seed}/${epoch}/${b}`), b) : (undefined as T);
      return { index: b, slices, value };
    };
    const pending: Array<Promise<Batch<T>>> = [];
    let next = 0;
    const fill = () => {
      while (pending.length <= ahead && next < n) {
        const p = make(next++);
        p.catch(() => undefined); // observed when awaited below; avoids an unhandled rejection meanwhile
        pending.push(p);
      }
    };
    try {
      fill();
      while (pending.length > 0) {
        const b = await pending.shift()!;
        fill();
        yield b;
      }
    } finally {
      pending.length = 0;
    }
  }
}

/** A layout problem about a label or mask file only (a missing or orphan label). */
function isLabelProblem(p: DataProblem): boolean {
  return /^(label|mask)\b|has no 'label'/i.test(p.message) || (p.file !== undefined && /(^|[\\/])(labelsTr|labels|label|Mask)[\\/][^\\/]+$/.test(p.file));
}

/**
 * Drops the slices whose resized label has fewer than `minFg` foreground pixels. Each case is read
 * (or generated) once with its label; while the LRU has room, its prepared image slices are kept, so
 * a dataset that fits in the cache is not read a second time for its images.
 */
function filterForeground(store: CaseStore, minFg: number): void {
  const withLabels = new CaseStore(store.cases, { ...store.opts, labels: true, minForegroundPixels: 0 }, 1);
  store.cases.forEach((c, ci) => {
    const p = withLabels.getSync(ci);
    c.slices = c.slices.filter((z) => {
      const l = p.labels?.get(z);
      if (!l) return false;
      let fg = 0;
      for (const v of l.data) if (v !== 0 && ++fg >= minFg) return true;
      return false;
    });
    if (store.cache.size < store.capacity) {
      const images = new Map<number, Slice>();
      for (const z of c.slices) images.set(z, p.images.get(z)!);
      store.remember(ci, store.opts.labels ? { images, labels: p.labels } : { images });
    }
  });
  store.reads += withLabels.reads;
}

/** Bytes of the prepared slices of one case at the target size (for cache sizing). */
export function preparedCaseBytes(c: IndexedCase, size: [number, number] | undefined, withLabels: boolean): number {
  const [w, h] = size ?? [c.width, c.height];
  return c.slices.length * w * h * 4 * (withLabels ? 2 : 1);
}
