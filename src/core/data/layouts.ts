/**
 * Dataset layouts, detected from what is on disk, never declared (a folder is read as it was downloaded):
 * - `msd`: Medical Segmentation Decathlon — dataset.json with `training: [{image, label}]`, imagesTr/, labelsTr/.
 * - `nnunet-v2`: dataset.json with `channel_names`, `labels: {name: value}`, `file_ending`; imagesTr/
 *   files carry a channel suffix (`case_0000.nii.gz`), labelsTr/ files do not.
 * - `btcv`: `img/imgNNNN.nii.gz` with `label/labelNNNN.nii.gz` (the Synapse release, possibly under
 *   `Training/` or `RawData/Training/`).
 * - `abdomenct-1k`: `Case_NNNNN_0000.nii.gz` images (in any sub-folder) and `Mask/Case_NNNNN.nii.gz`.
 * - `slice-folders`: `images/` + `labels/` with PNG slices paired by file name; the case is the file
 *   name without its trailing slice number (`case01_012.png` → `case01`).
 * - `dicom`: folders of DICOM CT slices (`.dcm` files, or files with the DICM preamble), one series per
 *   folder = one case (the folder itself, or its sub-folders up to three levels down, e.g.
 *   patient/study/series); the case id is the folder path. Unlabelled (pretraining). Every file of a
 *   case is checked when the dataset is opened or inspected (dicom.ts `planSeries`).
 * - `unlabelled`: any other folder of `.nii`/`.nii.gz` volumes or PNG slices, for pretraining.
 * Case identifiers always come from file names, never from header fields (privacy).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from './errors';
import { abdomenCt1k, btcv, findAbdomenCt1kImages } from './layouts/challenges';
import { msd, nnunet } from './layouts/datasetJson';
import { isDir, listFiles, NII, readJson, stripNii } from './layouts/files';
import { sliceFolders } from './layouts/sliceFolders';
import type { DatasetLayout } from './layouts/types';
import { unlabelled } from './layouts/unlabelled';

export { ABDOMENCT1K_LABELS, BTCV_LABELS } from './layouts/challenges';
export { isDicomFile } from './layouts/dicomFiles';
export { sliceCaseId } from './layouts/sliceFolders';
export type { CaseEntry, DatasetLayout, LayoutKind } from './layouts/types';

/** Detects the layout of a dataset folder (or a single volume file, treated as unlabelled). */
export function detectLayout(rootIn: string): DatasetLayout {
  const root = path.resolve(rootIn);
  const problems: DataProblem[] = [];
  if (!existsSync(root))
    return { kind: 'unlabelled', root, unit: 'volume', cases: [], problems: [{ file: root, message: 'does not exist' }] };
  if (!isDir(root)) {
    if (NII.test(root))
      return { kind: 'unlabelled', root, unit: 'volume', cases: [{ id: stripNii(path.basename(root)), images: [root] }], problems };
    return {
      kind: 'unlabelled',
      root,
      unit: 'volume',
      cases: [],
      problems: [{ file: root, message: 'is neither a folder nor a .nii/.nii.gz file' }],
    };
  }
  const dsJson = path.join(root, 'dataset.json');
  if (existsSync(dsJson)) {
    const ds = readJson(dsJson, problems);
    if (ds && ('channel_names' in ds || 'file_ending' in ds)) return nnunet(root, ds, problems);
    if (ds) return msd(root, ds, problems);
  }
  for (const sub of ['', 'Training', 'RawData/Training', 'Abdomen/RawData/Training']) {
    const base = path.join(root, sub);
    if (isDir(path.join(base, 'img')) && listFiles(path.join(base, 'img'), /^img\d+\.nii(\.gz)?$/i).length > 0)
      return btcv(root, base, problems);
  }
  if (isDir(path.join(root, 'Mask')) || findAbdomenCt1kImages(root).length > 0) {
    const imgs = findAbdomenCt1kImages(root);
    if (imgs.length > 0) return abdomenCt1k(root, imgs, problems);
  }
  if (isDir(path.join(root, 'images')) && isDir(path.join(root, 'labels'))) return sliceFolders(root, problems);
  return unlabelled(root, problems);
}
