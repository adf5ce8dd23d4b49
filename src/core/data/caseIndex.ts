/**
 * The (case, slice) index of a dataset, built from headers only (headers.ts): which cases there are,
 * what kind of files hold them, their axial depth and in-plane grid, and which axial slices are served.
 * Problems of the layout (missing files, a bad dataset.json) or of a header are reported together as
 * one DataError naming the first and counting the rest. Case identifiers come from file names
 * (layouts.ts); no header text field is read.
 */
import { DataError, type DataProblem } from './errors';
import { dicomSeriesShape, niftiVolumeShape, pngSize } from './headers';
import type { DatasetLayout } from './layouts';
import type { PhantomOptions } from './phantom/generate';
import type { IntensityPreset } from './preprocess';
import type { Vec3 } from './volume';

export interface DatasetOptions {
  intensity: IntensityPreset;
  /** Target in-plane size [width, height]; omitted = each case's own grid. */
  size?: [number, number];
  /** Load label slices with the images (needs a labelled layout). Default false. */
  labels?: boolean;
  /** Keep only slices whose resized label has at least this many foreground pixels. 0 = all. */
  minForegroundPixels?: number;
  /** Prepared cases kept in memory (LRU). Default 8. */
  cacheCases?: number;
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

const allSlices = (depth: number): number[] => Array.from({ length: depth }, (_, z) => z);

/**
 * The index of a detected layout. Without `ignoreProblems` any problem throws (see above); with it the
 * cases that have one are left out. Problems that concern only labels do not count when no labels
 * are needed (pretraining).
 */
export function indexLayout(layout: DatasetLayout, opts: { needLabels: boolean; ignoreProblems?: boolean }): IndexedCase[] {
  const problems: DataProblem[] = layout.problems.filter((p) => opts.needLabels || !isLabelProblem(p));
  const cases: IndexedCase[] = [];
  if (opts.needLabels) {
    for (const c of layout.cases)
      if (!c.labels)
        problems.push({
          caseId: c.id,
          file: c.images[0],
          message: 'has no label, and labels are needed (labels or foreground-slice filtering)',
        });
  }
  for (const c of layout.cases) {
    try {
      if (layout.kind === 'dicom') {
        const [width, height, depth] = dicomSeriesShape(c.images, c.id);
        cases.push({ id: c.id, kind: 'dicom', images: c.images, depth, width, height, slices: allSlices(depth) });
      } else if (layout.unit === 'volume') {
        const [width, height, depth] = niftiVolumeShape(c.images[0], c.id);
        cases.push({ id: c.id, kind: 'nifti', images: c.images, labels: c.labels, depth, width, height, slices: allSlices(depth) });
      } else {
        const [width, height] = pngSize(c.images[0], c.id);
        cases.push({
          id: c.id,
          kind: 'png',
          images: c.images,
          labels: c.labels,
          depth: c.images.length,
          width,
          height,
          slices: c.images.map((_, z) => z),
        });
      }
    } catch (e) {
      if (e instanceof DataError) problems.push({ caseId: e.caseId ?? c.id, file: e.file, message: e.reason });
      else throw e;
    }
  }
  if (problems.length > 0 && !opts.ignoreProblems) {
    const p = problems[0];
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; 'medssl inspect ${layout.root}' lists them all)`
        : '';
    throw new DataError(p.file ?? layout.root, p.message + more, p.caseId);
  }
  const bad = new Set(problems.map((p) => p.caseId));
  const usable = opts.ignoreProblems ? cases.filter((c) => !bad.has(c.id)) : cases;
  if (usable.length === 0) throw new DataError(layout.root, 'no readable cases', undefined);
  return usable;
}

/** The built-in phantom's index: `count` cases generated on demand (seeded), never all at once. */
export function phantomIndex(count: number, phantom: PhantomOptions & { shape: Vec3 }): IndexedCase[] {
  const [nx, ny, nz] = phantom.shape;
  return Array.from({ length: count }, (_, i) => ({
    id: `phantom_${String(i).padStart(3, '0')}`,
    kind: 'phantom' as const,
    images: [],
    depth: nz,
    width: nx,
    height: ny,
    slices: allSlices(nz),
    phantom: { index: i, options: phantom },
  }));
}

/** A layout problem about a label or mask file only (a missing or orphan label). */
function isLabelProblem(p: DataProblem): boolean {
  return (
    /^(label|mask)\b|has no 'label'/i.test(p.message) ||
    (p.file !== undefined && /(^|[\\/])(labelsTr|labels|label|Mask)[\\/][^\\/]+$/.test(p.file))
  );
}

/** Bytes of the prepared slices of one case at the target size (for cache sizing). */
export function preparedCaseBytes(c: IndexedCase, size: [number, number] | undefined, withLabels: boolean): number {
  const [w, h] = size ?? [c.width, c.height];
  return c.slices.length * w * h * 4 * (withLabels ? 2 : 1);
}
