/**
 * Dataset inspection (`medssl inspect`): the layout, every case's shape, spacing, orientation,
 * intensity range and label values, and every problem found — all of them, not just the first.
 * Reads one case at a time, so memory stays at one volume.
 *
 * Privacy: the report holds file names, numbers and label names from dataset.json only; no header
 * text field is ever read (nifti.ts does not decode them).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DataError, problemFromError, type DataProblem } from './errors';
import { detectLayout, type LayoutKind } from './layouts';
import { readDicomSeriesFiles, type DicomVolume } from './dicom';
import { readNiftiFile, type NiftiVolume } from './nifti';
import { orientationCode } from './volume';
import { decodeGrayPng } from './png';

export interface CaseReport {
  id: string;
  image: string;
  label?: string;
  shape: number[];
  spacing?: number[];
  /** Orientation of the stored voxel axes (e.g. 'LPS'); volumes are reoriented to RAS when loaded. */
  orientation?: string;
  intensity: { min: number; max: number; mean: number };
  labelValues?: number[];
  slices?: number;
  ok: boolean;
}

export interface InspectReport {
  root: string;
  layout: LayoutKind;
  unit: 'volume' | 'slices';
  caseCount: number;
  labelled: boolean;
  labelNames?: Record<number, string>;
  cases: CaseReport[];
  summary: {
    shapes: string[];
    spacingMin?: number[];
    spacingMax?: number[];
    intensityMin: number | null;
    intensityMax: number | null;
    labelValues: number[];
  };
  problems: DataProblem[];
}

export interface InspectOptions {
  /** Called after each case (progress). */
  onCase?: (id: string, index: number, total: number) => void;
}

export async function inspectDataset(root: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const layout = detectLayout(root);
  const rel = (f: string) => {
    const r = path.relative(layout.root, f);
    return r === '' ? path.basename(f) : r.startsWith('..') ? f : r;
  };
  const problems: DataProblem[] = layout.problems.map((p) => ({ ...p, file: p.file ? rel(p.file) : undefined }));
  const cases: CaseReport[] = [];
  const labelled = layout.cases.some((c) => c.labels !== undefined);
  const declared = layout.labelNames ? new Set(Object.keys(layout.labelNames).map(Number)) : undefined;
  let i = 0;
  for (const c of layout.cases) {
    if (!c.images.every((f) => existsSync(f))) {
      opts.onCase?.(c.id, i++, layout.cases.length); // the layout already reported the missing file
      continue;
    }
    const before = problems.length;
    const add = (file: string | undefined, message: string) => problems.push({ caseId: c.id, file: file ? rel(file) : undefined, message });
    const report =
      layout.kind === 'dicom'
        ? await inspectDicomCase(c.id, c.images, add, rel)
        : layout.unit === 'volume'
          ? await inspectVolumeCase(c.id, c.images[0], c.labels?.[0], add, rel)
          : await inspectSliceCase(c.id, c.images, c.labels, add, rel);
    if (report) {
      if (report.labelValues && declared) {
        const unexpected = report.labelValues.filter((v) => v >= 0 && !declared.has(v)); // negatives are reported on their own
        if (unexpected.length > 0)
          add(
            c.labels?.[0],
            `unexpected label values [${unexpected.join(', ')}]; the dataset declares ${[...declared].sort((a, b) => a - b).join(', ')}`,
          );
      }
      report.ok = problems.length === before;
      cases.push(report);
    }
    opts.onCase?.(c.id, i++, layout.cases.length);
  }
  const spacings = cases.map((c) => c.spacing).filter((s): s is number[] => s !== undefined);
  const mins = cases.map((c) => c.intensity.min);
  const maxs = cases.map((c) => c.intensity.max);
  return {
    root: layout.root,
    layout: layout.kind,
    unit: layout.unit,
    caseCount: layout.cases.length,
    labelled,
    labelNames: layout.labelNames,
    cases,
    summary: {
      shapes: [...new Set(cases.map((c) => c.shape.join('×')))],
      spacingMin: spacings.length ? [0, 1, 2].map((k) => Math.min(...spacings.map((s) => s[k]))) : undefined,
      spacingMax: spacings.length ? [0, 1, 2].map((k) => Math.max(...spacings.map((s) => s[k]))) : undefined,
      intensityMin: mins.length ? Math.min(...mins) : null,
      intensityMax: maxs.length ? Math.max(...maxs) : null,
      labelValues: [...new Set(cases.flatMap((c) => c.labelValues ?? []))].sort((a, b) => a - b),
    },
    problems,
  };
}

type Add = (file: string | undefined, message: string) => void;

function stats(data: ArrayLike<number>): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue; // NaN and ±Inf are counted and reported apart
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return { min, max, mean: n ? sum / n : NaN };
}

function labelValueCheck(data: ArrayLike<number>, file: string, add: Add): number[] {
  const values = new Set<number>();
  let nonInteger = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v)) nonInteger++;
    else values.add(v);
    if (values.size > 1000) break;
  }
  if (nonInteger > 0) add(file, `${nonInteger} label voxels are not whole numbers (is this an image rather than a label map?)`);
  if (values.size > 1000) add(file, 'more than 1000 distinct label values (is this an image rather than a label map?)');
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 1 && sorted[0] === 0) add(file, 'label map is all zero (no foreground)');
  if (sorted.some((v) => v < 0)) add(file, `negative label values [${sorted.filter((v) => v < 0).join(', ')}]`);
  return sorted;
}

async function inspectVolumeCase(
  id: string,
  image: string,
  label: string | undefined,
  add: Add,
  rel: (f: string) => string,
): Promise<CaseReport | null> {
  let img: NiftiVolume;
  try {
    img = await readNiftiFile(image, { caseId: id });
  } catch (e) {
    const p = problemFromError(e, image, id);
    add(image, p.message);
    return null;
  }
  const report: CaseReport = {
    id,
    image: rel(image),
    shape: [...img.shape],
    spacing: img.spacing.map((s) => Math.round(s * 1e4) / 1e4),
    orientation: img.storedOrientation,
    intensity: stats(img.data),
    ok: true,
  };
  if (img.nanCount > 0) add(image, `${img.nanCount} NaN voxels`);
  const inf = countInfinite(img.data);
  if (inf > 0)
    add(image, `${inf} infinite voxels (±Inf): intensity windowing and normalisation would turn them into NaN; re-export the volume`);
  for (const g of geometryProblems(img)) add(image, g);
  if (label === undefined) return report;
  report.label = rel(label);
  let lab: NiftiVolume;
  try {
    lab = await readNiftiFile(label, { caseId: id });
  } catch (e) {
    add(label, problemFromError(e, label, id).message);
    return report;
  }
  if (lab.shape.some((n, k) => n !== img.shape[k])) {
    add(label, `label grid ${lab.shape.join('×')} differs from image grid ${img.shape.join('×')}`);
  } else if (!sameAffine(img.affine, lab.affine)) {
    add(label, 'label and image have the same shape but different positions or orientations (affines differ)');
  }
  report.labelValues = labelValueCheck(lab.data, label, add);
  return report;
}

/** A DICOM series folder: every file read (HU), ordered and checked (one series, CT, even spacing). */
async function inspectDicomCase(id: string, files: string[], add: Add, rel: (f: string) => string): Promise<CaseReport | null> {
  let vol: DicomVolume;
  try {
    vol = await readDicomSeriesFiles(files, id);
  } catch (e) {
    const p = problemFromError(e, path.dirname(files[0]), id);
    add(p.file, p.message);
    return null;
  }
  return {
    id,
    image: rel(path.dirname(files[0])),
    shape: [...vol.shape],
    spacing: vol.spacing.map((s) => Math.round(s * 1e4) / 1e4),
    orientation: orientationCode(vol.affine),
    intensity: stats(vol.data),
    slices: files.length,
    ok: true,
  };
}

function countInfinite(data: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === Infinity || data[i] === -Infinity) n++;
  return n;
}

/**
 * Voxel sizes and the sform as stored: a zero or negative pixdim, or an sform with a zero column, is a
 * broken header (the reader would fall back to 1 mm or a degenerate affine, and every spacing-based
 * resampling would be wrong), so it is reported rather than silently repaired.
 */
export function geometryProblems(img: NiftiVolume): string[] {
  const h = img.header;
  const out: string[] = [];
  for (let k = 1; k <= 3; k++) {
    const p = h.pixdim[k];
    if (!Number.isFinite(p) || p <= 0) out.push(`pixdim[${k}] (voxel size along axis ${k}) is ${p}: voxel sizes must be positive`);
  }
  if (h.sformCode > 0) {
    for (let c = 0; c < 3; c++) {
      const col = [0, 1, 2].map((r) => h.srow[r][c]);
      if (col.some((x) => !Number.isFinite(x))) out.push(`sform column ${c} holds a non-finite value`);
      else if (col.every((x) => x === 0))
        out.push(`sform column ${c} is all zero: the affine is degenerate (the file has no valid orientation)`);
    }
  }
  return out;
}

function sameAffine(a: number[][], b: number[][]): boolean {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (Math.abs(a[r][c] - b[r][c]) > (c === 3 ? 1e-2 : 1e-3)) return false;
  return true;
}

async function inspectSliceCase(
  id: string,
  images: string[],
  labels: string[] | undefined,
  add: Add,
  rel: (f: string) => string,
): Promise<CaseReport | null> {
  let shape: number[] | null = null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  const values = new Set<number>();
  let allZero = true;
  for (let s = 0; s < images.length; s++) {
    try {
      const png = decodeGrayPng(await readFile(images[s]), rel(images[s]), id);
      if (shape && (png.width !== shape[0] || png.height !== shape[1]))
        add(images[s], `slice is ${png.width}×${png.height}, other slices of the case are ${shape[0]}×${shape[1]}`);
      shape ??= [png.width, png.height];
      const st = stats(png.data);
      min = Math.min(min, st.min);
      max = Math.max(max, st.max);
      sum += st.mean * png.data.length;
      n += png.data.length;
      if (labels && labels[s] && existsSync(labels[s])) {
        const lp = decodeGrayPng(await readFile(labels[s]), rel(labels[s]), id);
        if (lp.width !== png.width || lp.height !== png.height)
          add(labels[s], `label is ${lp.width}×${lp.height}, its image is ${png.width}×${png.height}`);
        for (const v of lp.data) {
          values.add(v);
          if (v !== 0) allZero = false;
        }
      }
    } catch (e) {
      if (e instanceof DataError) add(images[s], e.reason);
      else add(images[s], (e as Error).message);
    }
  }
  if (!shape) return null;
  if (labels && allZero && values.size > 0) add(labels[0], 'every label slice of the case is all zero (no foreground)');
  return {
    id,
    image: rel(path.dirname(images[0])),
    shape: [...shape, images.length],
    intensity: { min, max, mean: n ? sum / n : NaN },
    labelValues: labels ? [...values].sort((a, b) => a - b) : undefined,
    slices: images.length,
    ok: true,
  };
}
