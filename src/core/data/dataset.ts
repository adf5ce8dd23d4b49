/**
 * A dataset of preprocessed axial slices from any detected layout (MSD, nnU-Net v2, BTCV,
 * AbdomenCT-1K, paired PNG slice folders, DICOM series, unlabelled folders) or the built-in phantom,
 * without holding it in memory:
 *
 * - opening reads headers only and builds the (case, slice) index (caseIndex.ts); labels are read at
 *   open time only when foreground-slice filtering needs them, one label volume at a time;
 * - a slice is read on demand: its case is read and prepared into the prepared-slice cache
 *   (preparedCache.ts, an LRU of `cacheCases` cases), asynchronously (`get`, `read`) or, for callers
 *   without an event loop to keep, synchronously (`getSync`);
 * - splits are by case (`split`, `subset`): subsets share the index and the cache, and the slices of
 *   one case never straddle two subsets.
 *
 * The order of an epoch is epochOrder.ts; a training loop reads through sliceSource.ts.
 */
import { indexLayout, phantomIndex, type DatasetOptions, type IndexedCase } from './caseIndex';
import { detectLayout, type DatasetLayout, type LayoutKind } from './layouts';
import type { PhantomOptions } from './phantom/generate';
import { PreparedCache, type PreparedCase } from './preparedCache';
import { splitByCase, type SplitFractions } from './preprocess';
import type { Slice, Vec3 } from './volume';

export interface SliceRef {
  /** Index into the dataset's index of cases (shared with its subsets). */
  caseIndex: number;
  /** Axial index within the case (0 = most inferior for volumes; the file order for PNG slices). */
  z: number;
}

export interface LoadedSlice {
  caseId: string;
  z: number;
  /** Normalised intensities at the target size. */
  image: Slice;
  /** Label values at the target size (nearest), when the dataset was asked for labels. */
  label?: Slice;
}

/** A set of cases and their slices, read on demand. `open`/`phantom` make one; `subset`/`split` share its cache. */
export class SliceDataset {
  /** Slice references in case order, then axial order. */
  readonly refs: SliceRef[];

  private constructor(
    private readonly cache: PreparedCache,
    /** Indices into the shared index of the cases in this dataset (sorted by id). */
    readonly caseIndices: number[],
    readonly layout: LayoutKind | 'phantom',
    readonly labelNames: Record<number, string> | undefined,
  ) {
    this.refs = caseIndices.flatMap((ci) => cache.cases[ci].slices.map((z) => ({ caseIndex: ci, z })));
  }

  /**
   * Opens a dataset folder (any layout `detectLayout` knows): the index is built from headers. Problems
   * are thrown together as one DataError naming the first and counting the rest, unless
   * `ignoreProblems` — then unreadable cases are skipped.
   */
  static open(root: string | DatasetLayout, opts: DatasetOptions & { ignoreProblems?: boolean }): SliceDataset {
    const layout = typeof root === 'string' ? detectLayout(root) : root;
    const needLabels = Boolean(opts.labels) || (opts.minForegroundPixels ?? 0) > 0;
    return SliceDataset.fromIndex(
      indexLayout(layout, { needLabels, ignoreProblems: opts.ignoreProblems }),
      opts,
      layout.kind,
      layout.labelNames,
    );
  }

  /** The built-in phantom as a dataset: cases generated on demand (seeded), never all at once. */
  static phantom(count: number, phantom: PhantomOptions & { shape: Vec3 }, opts: DatasetOptions): SliceDataset {
    return SliceDataset.fromIndex(phantomIndex(count, phantom), opts, 'phantom', undefined);
  }

  private static fromIndex(
    cases: IndexedCase[],
    opts: DatasetOptions,
    layout: LayoutKind | 'phantom',
    labelNames: Record<number, string> | undefined,
  ): SliceDataset {
    const cache = new PreparedCache(cases, opts, Math.max(1, opts.cacheCases ?? 8));
    const minFg = opts.minForegroundPixels ?? 0;
    if (minFg > 0) filterForeground(cache, minFg);
    return new SliceDataset(
      cache,
      cases.map((_, i) => i).filter((i) => cases[i].slices.length > 0),
      layout,
      labelNames,
    );
  }

  get cases(): IndexedCase[] {
    return this.caseIndices.map((ci) => this.cache.cases[ci]);
  }
  get caseIds(): string[] {
    return this.cases.map((c) => c.id);
  }
  get length(): number {
    return this.refs.length;
  }
  /** Case reads since the dataset was opened (shared with subsets). */
  get reads(): number {
    return this.cache.reads;
  }
  /** Prepared cases the cache holds. */
  get cacheCapacity(): number {
    return this.cache.capacity;
  }

  /** The cases with these ids (sharing this dataset's index and cache). */
  subset(ids: readonly string[]): SliceDataset {
    const want = new Set(ids);
    return new SliceDataset(
      this.cache,
      this.caseIndices.filter((ci) => want.has(this.cache.cases[ci].id)),
      this.layout,
      this.labelNames,
    );
  }

  /** Split by case, never by slice (`splitByCase`, seeded). */
  split(fractions: SplitFractions, seed: number): { train: SliceDataset; val: SliceDataset; test: SliceDataset } {
    const s = splitByCase(this.caseIds, fractions, seed);
    return { train: this.subset(s.train), val: this.subset(s.val), test: this.subset(s.test) };
  }

  private ref(i: number): SliceRef {
    const ref = this.refs[i];
    if (!ref) throw new RangeError(`slice ${i} is outside 0..${this.refs.length - 1}`);
    return ref;
  }

  private loaded(ref: SliceRef, p: PreparedCase): LoadedSlice {
    return { caseId: this.cache.cases[ref.caseIndex].id, z: ref.z, image: p.images.get(ref.z)!, label: p.labels?.get(ref.z) };
  }

  /** Slice i of `refs`; its case is read and prepared synchronously when not cached. */
  getSync(i: number): LoadedSlice {
    const ref = this.ref(i);
    return this.loaded(ref, this.cache.getSync(ref.caseIndex));
  }

  /** Slice i of `refs`; its case is read asynchronously when not cached. */
  async get(i: number): Promise<LoadedSlice> {
    const ref = this.ref(i);
    return this.loaded(ref, await this.cache.get(ref.caseIndex));
  }

  /** Slices of `refs` in the order given; the cases not cached are read concurrently, each once. */
  async read(indices: readonly number[]): Promise<LoadedSlice[]> {
    const refs = indices.map((i) => this.ref(i));
    const prepared = new Map<number, PreparedCase>();
    await Promise.all([...new Set(refs.map((r) => r.caseIndex))].map(async (ci) => prepared.set(ci, await this.cache.get(ci))));
    return refs.map((r) => this.loaded(r, prepared.get(r.caseIndex)!));
  }
}

/**
 * Drops the slices whose resized label has fewer than `minFg` foreground pixels. Each case is read
 * (or generated) once with its label; while the LRU has room, its prepared image slices are kept, so
 * a dataset that fits in the cache is not read a second time for its images.
 */
function filterForeground(cache: PreparedCache, minFg: number): void {
  const withLabels = new PreparedCache(cache.cases, { ...cache.opts, labels: true, minForegroundPixels: 0 }, 1);
  cache.cases.forEach((c, ci) => {
    const p = withLabels.getSync(ci);
    c.slices = c.slices.filter((z) => {
      const l = p.labels?.get(z);
      if (!l) return false;
      let fg = 0;
      for (const v of l.data) if (v !== 0 && ++fg >= minFg) return true;
      return false;
    });
    if (cache.size < cache.capacity) {
      const images = new Map<number, Slice>();
      for (const z of c.slices) images.set(z, p.images.get(z)!);
      cache.remember(ci, cache.opts.labels ? { images, labels: p.labels } : { images });
    }
  });
  cache.reads += withLabels.reads;
}
