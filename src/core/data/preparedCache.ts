/**
 * The prepared-slice cache: a case's slices prepared for training (RAS, window/z-score, resized to the
 * target size) kept in an LRU of `capacity` cases, shared by a dataset and its subsets. A miss reads
 * the case (caseReader.ts), prepares its served slices in one pass (resample.ts) and drops the raw
 * volume at once, so memory is one raw volume per read in flight plus the prepared cases. Concurrent
 * asynchronous misses of one case share one read.
 */
import { basename } from 'node:path';
import type { DatasetOptions, IndexedCase } from './caseIndex';
import { readCase, readCaseSync, type RawCase } from './caseReader';
import { DataError } from './errors';
import type { NiftiVolume } from './nifti';
import type { GrayPng } from './png';
import { normalizeIntensity, resizeSlice, sameGrid, type IntensityPreset } from './preprocess';
import { prepareLabelSlices, prepareVolumeSlices, rasIndexing } from './resample';
import { reorientToRAS, type Slice, type Volume } from './volume';

/** The served slices of one case by axial index; labels when the dataset was asked for them. */
export interface PreparedCase {
  images: Map<number, Slice>;
  labels?: Map<number, Slice>;
}

export class PreparedCache {
  private readonly lru = new Map<number, PreparedCase>();
  private readonly inFlight = new Map<number, Promise<PreparedCase>>();
  /** Case reads so far (tests, bench). */
  reads = 0;

  constructor(
    readonly cases: IndexedCase[],
    readonly opts: DatasetOptions,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.lru.size;
  }

  /** Puts a prepared case in the LRU (most recent), evicting the least recent past capacity. */
  remember(ci: number, p: PreparedCase): PreparedCase {
    this.lru.delete(ci);
    this.lru.set(ci, p);
    while (this.lru.size > this.capacity) this.lru.delete(this.lru.keys().next().value as number);
    return p;
  }

  /** A cached case (now the most recent), or undefined; never reads. */
  cached(ci: number): PreparedCase | undefined {
    const p = this.lru.get(ci);
    if (p) this.remember(ci, p);
    return p;
  }

  /** The case, read and prepared synchronously on a miss. */
  getSync(ci: number): PreparedCase {
    const hit = this.cached(ci);
    if (hit) return hit;
    this.reads++;
    return this.remember(ci, prepareCase(this.cases[ci], readCaseSync(this.cases[ci], this.wantLabel()), this.opts));
  }

  /** The case, read asynchronously on a miss (one read for concurrent misses). */
  get(ci: number): Promise<PreparedCase> {
    const hit = this.cached(ci);
    if (hit) return Promise.resolve(hit);
    let p = this.inFlight.get(ci);
    if (!p) {
      this.reads++;
      p = readCase(this.cases[ci], this.wantLabel()).then((raw) => this.remember(ci, prepareCase(this.cases[ci], raw, this.opts)));
      this.inFlight.set(ci, p);
      const clear = () => this.inFlight.delete(ci);
      p.then(clear, clear);
    }
    return p;
  }

  private wantLabel(): boolean {
    return Boolean(this.opts.labels || (this.opts.minForegroundPixels ?? 0) > 0);
  }
}

/** A raw case → its served slices at the target size (images bilinear, labels nearest). */
export function prepareCase(c: IndexedCase, raw: RawCase, o: DatasetOptions): PreparedCase {
  if (raw.volume) return prepareVolumeCase(c, raw.volume.image, raw.volume.label, o);
  return preparePngCase(c, raw.png!, o);
}

function prepareVolumeCase(c: IndexedCase, image: Volume | NiftiVolume, label: Volume | undefined, o: DatasetOptions): PreparedCase {
  const nan = (image as Partial<NiftiVolume>).nanCount ?? 0;
  if (nan > 0)
    throw new DataError(
      basename(c.images[0] ?? c.id),
      `${nan} NaN voxels; the image must be finite everywhere (fix or mask them before training)`,
      c.id,
    );
  // Volumes stay in their stored voxel order: the RAS reorientation is folded into the indexing.
  let img: Volume = image;
  let lab: Volume | undefined = label;
  if (lab && (lab.shape.some((n, i) => n !== img.shape[i]) || !sameGrid(img.affine, lab.affine))) {
    img = reorientToRAS(img); // stored differently: compare (and read) both in RAS
    lab = reorientToRAS(lab);
    if (lab.shape.some((n, i) => n !== img.shape[i]) || !sameGrid(img.affine, lab.affine)) {
      throw new DataError(
        basename(c.labels?.[0] ?? 'label'),
        `image grid ${img.shape.join('×')} and label grid ${lab.shape.join('×')} differ (shape or position); they must match voxel for voxel`,
        c.id,
      );
    }
  }
  const depth = rasIndexing(img.shape, img.affine).shape[2];
  if (depth !== c.depth)
    throw new DataError(
      basename(c.images[0] ?? c.id),
      `has ${depth} axial slices, its header announced ${c.depth} when the dataset was opened (the file changed?)`,
      c.id,
    );
  const images = prepareVolumeSlices(img, o.intensity, o.size, c.slices);
  const labels = o.labels && lab ? prepareLabelSlices(lab, o.size, c.slices) : undefined;
  return {
    images: new Map(c.slices.map((z, i) => [z, images[i]])),
    labels: o.labels ? new Map(labels ? c.slices.map((z, i) => [z, labels[i]]) : []) : undefined,
  };
}

function preparePngCase(c: IndexedCase, png: NonNullable<RawCase['png']>, o: DatasetOptions): PreparedCase {
  const images = new Map<number, Slice>();
  const labels = o.labels ? new Map<number, Slice>() : undefined;
  c.slices.forEach((z, i) => {
    const img = png.images[i];
    const [w, h] = o.size ?? [img.width, img.height];
    images.set(z, resizeSlice(pngToIntensity(img, o.intensity), w, h, 'linear'));
    if (labels && png.labels) {
      const l = png.labels[i];
      if (l.width !== img.width || l.height !== img.height)
        throw new DataError(basename(c.labels![z]), `label is ${l.width}×${l.height}, its image is ${img.width}×${img.height}`, c.id);
      labels.set(z, resizeSlice({ data: Float32Array.from(l.data), width: l.width, height: l.height }, w, h, 'nearest'));
    }
  });
  return { images, labels };
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
