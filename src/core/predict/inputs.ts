/**
 * What `medssl predict` segments: a `.nii`/`.nii.gz` volume, a folder of volumes, a DICOM series
 * folder, or a labelled dataset folder (any volume layout the dataset reader detects: its labels are
 * then used for Dice). Layout detection and the header index are the dataset's own (layouts.ts,
 * caseIndex.ts), so predict reads exactly what training would read. Problems are PredictInputErrors or
 * DataErrors (exit 2), one line naming the file and the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexLayout, type IndexedCase } from '../data/caseIndex';
import { DataError } from '../data/errors';
import { detectLayout } from '../data/layouts';
import { readNiftiHeaderOnly } from '../data/niftiHeader';

/** Bad input a person can fix (exit 2). */
export class PredictInputError extends Error {
  readonly exitCode = 2;
}

export interface PredictCase {
  /** File-system-safe name for the outputs (from the file or folder name, never from a header). */
  name: string;
  indexed: IndexedCase;
  /** Label volume for Dice, when given or held by the dataset. */
  labelFile?: string;
}

const NII = /\.nii(\.gz)?$/i;

/** `a/b/case.nii.gz` → `case`; a DICOM series id `patient/series` → `patient_series`. */
export function outputStem(c: IndexedCase): string {
  const base = c.kind === 'dicom' ? c.id : path.basename(c.images[0]).replace(NII, '');
  return base.replace(/[\\/:*?"<>|\s]+/g, '_') || 'volume';
}

/** Refuses a volume whose channel count is not the model's (a 4-D file, or an nnU-Net case with several channel files). */
function checkChannels(images: string[], id: string, inChannels: number): void {
  if (images.length > 1 && images.every((f) => NII.test(f)))
    throw new PredictInputError(
      `case '${id}': ${images.length} channel files (${images.map((f) => path.basename(f)).join(', ')}); the run's model takes ${inChannels} channel`,
    );
  const f = images[0];
  if (!NII.test(f)) return;
  const h = readNiftiHeaderOnly(f);
  const dims = h.dims.slice(1, h.ndim + 1);
  const frames = dims.slice(3).reduce((a, b) => a * b, 1);
  if (frames !== inChannels)
    throw new PredictInputError(
      `${f}: ${frames} channels (${h.ndim}-D, shape [${dims.join(', ')}]); the run's model takes ${inChannels} channel${inChannels === 1 ? ' (a 3-D volume)' : 's'}`,
    );
}

function labelIn(dir: string, c: IndexedCase): string | undefined {
  const names = c.kind === 'nifti' ? [path.basename(c.images[0])] : [];
  const stem = outputStem(c);
  names.push(`${stem}.nii.gz`, `${stem}.nii`);
  return names.map((n) => path.join(dir, n)).find((p) => fs.existsSync(p));
}

/** The volumes of `input` (with their labels where known), checked against the model's channels. */
export function resolveInputs(input: string, o: { labels?: string; inChannels: number }): PredictCase[] {
  const abs = path.resolve(input);
  if (!fs.existsSync(abs)) throw new PredictInputError(`${input}: no such file or folder`);
  const layout = detectLayout(abs);
  if (layout.unit !== 'volume')
    throw new PredictInputError(`${input}: a folder of PNG slices; predict takes NIfTI volumes (.nii, .nii.gz) or a DICOM series folder`);
  if (layout.cases.length === 0 && layout.problems.length === 0)
    throw new PredictInputError(`${input}: no .nii/.nii.gz volume or DICOM series found`);
  for (const c of layout.cases) checkChannels(c.images, c.id, o.inChannels);
  let indexed: IndexedCase[];
  try {
    indexed = indexLayout(layout, { needLabels: false });
  } catch (e) {
    if (e instanceof DataError && /no readable cases/.test(e.reason))
      throw new PredictInputError(`${input}: no .nii/.nii.gz volume or DICOM series found`);
    throw e;
  }
  let labelDir: string | undefined;
  let labelFile: string | undefined;
  if (o.labels !== undefined) {
    const l = path.resolve(o.labels);
    if (!fs.existsSync(l)) throw new PredictInputError(`--labels ${o.labels}: no such file or folder`);
    if (fs.statSync(l).isDirectory()) labelDir = l;
    else if (indexed.length > 1)
      throw new PredictInputError(
        `--labels ${o.labels}: one label file for ${indexed.length} volumes; give a folder of label files named like the volumes`,
      );
    else labelFile = l;
  }
  const taken = new Map<string, number>();
  return indexed.map((c) => {
    let name = outputStem(c);
    const seen = taken.get(name) ?? 0;
    taken.set(name, seen + 1);
    if (seen > 0) name = `${name}-${seen}`;
    let lab = labelFile ?? c.labels?.[0];
    if (labelDir) {
      lab = labelIn(labelDir, c);
      if (!lab) throw new PredictInputError(`--labels ${o.labels}: no label file for '${c.id}' (looked for ${outputStem(c)}.nii.gz)`);
    }
    return { name, indexed: c, labelFile: lab };
  });
}
