/**
 * What a training loop reads slices through. A read may touch the disk: a slice whose case is not in
 * the prepared-slice cache makes the case be read (file read and gunzip on libuv's thread pool) and
 * prepared, so `read` is asynchronous, and `prefetch` starts that work for the next batch while the
 * current step runs. `epochOrder` is the dataset's one windowed shuffle, drawn with the caller's
 * generator, sized to this source's cache.
 */
import type { SliceDataset } from './dataset';
import { epochOrder } from './epochOrder';
import type { Slice } from './volume';

export interface SliceSource {
  /** Number of slices; indices are 0..count − 1, the slices of a case adjacent. */
  readonly count: number;
  /** Slices by index, in the order given; reads (and prepares) the cases not cached. */
  read(indices: readonly number[]): Promise<Slice[]>;
  /**
   * Starts reading the cases of these slices into the cache in the background, so that a later `read`
   * finds them there. Resolves when they are cached; rejects with the error of a bad case.
   */
  prefetch(indices: readonly number[]): Promise<void>;
  /** The slice order of one epoch (epochOrder.ts) with this shuffle (in place, returning its argument). */
  epochOrder(shuffle: (a: number[]) => number[]): number[];
}

/**
 * The images of a dataset's slices as a SliceSource. `onError` turns an error of a read (a DataError
 * naming the case and file) into the caller's own, e.g. a config error naming the data path.
 */
export function datasetSource(ds: SliceDataset, onError: (e: unknown) => unknown = (e) => e): SliceSource {
  const caseOfSlice = ds.refs.map((r) => r.caseIndex);
  return {
    count: ds.length,
    async read(indices) {
      try {
        return (await ds.read(indices)).map((s) => s.image);
      } catch (e) {
        throw onError(e);
      }
    },
    async prefetch(indices) {
      // One slice per case is enough: a case is read and prepared whole.
      const firstOfCase = new Map<number, number>();
      for (const i of indices) if (i >= 0 && i < ds.length && !firstOfCase.has(caseOfSlice[i])) firstOfCase.set(caseOfSlice[i], i);
      try {
        await Promise.all([...firstOfCase.values()].map((i) => ds.get(i)));
      } catch (e) {
        throw onError(e);
      }
    },
    epochOrder: (shuffle) => epochOrder(caseOfSlice, ds.cacheCapacity, shuffle),
  };
}
