/** The fallback layout: any folder of NIfTI volumes, DICOM series or PNG slices, for pretraining. */
import * as path from 'node:path';
import type { DataProblem } from '../errors';
import { DatasetWalker } from '../safeWalk';
import { findDicomSeries } from './dicomFiles';
import { caseIdFromPath, NII } from './files';
import { groupSlices } from './sliceFolders';
import type { DatasetLayout } from './types';

export function unlabelled(root: string, problems: DataProblem[]): DatasetLayout {
  const vols: string[] = [];
  // Symlink problems are only reported for the kind of data found (a NIfTI walk, else the DICOM walk).
  const niiProblems: DataProblem[] = [];
  const walker = new DatasetWalker(root, niiProblems);
  const walk = (dir: string, depth: number, ancestors: string[]) => {
    const { dirs, files } = walker.entries(dir, ancestors);
    for (const p of files) if (NII.test(path.basename(p))) vols.push(p);
    if (depth < 2) for (const d of dirs) walk(d, depth + 1, [...ancestors, walker.real(d)]);
  };
  walk(root, 0, [walker.real(root)]);
  vols.sort();
  if (vols.length > 0) {
    problems.push(...niiProblems);
    return { kind: 'unlabelled', root, unit: 'volume', cases: vols.map((v) => ({ id: caseIdFromPath(root, v), images: [v] })), problems };
  }
  const series = findDicomSeries(root, problems);
  if (series.length > 0) return { kind: 'dicom', root, unit: 'volume', cases: series, problems };
  const slices = groupSlices(root);
  if (slices.size > 0) {
    return {
      kind: 'unlabelled',
      root,
      unit: 'slices',
      cases: [...slices.entries()].sort().map(([id, files]) => ({ id, images: files.map((f) => path.join(root, f)) })),
      problems,
    };
  }
  problems.push({
    file: root,
    message:
      'no images found: expected .nii/.nii.gz volumes, DICOM series folders or .png slices (or a dataset.json, img/+label/, images/+labels/)',
  });
  return { kind: 'unlabelled', root, unit: 'volume', cases: [], problems };
}
