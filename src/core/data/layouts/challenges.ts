/** Layouts of two public abdominal CT releases, recognised by their file names: BTCV (Synapse) and AbdomenCT-1K. */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from '../errors';
import { isDir, listFiles, NII, stripNii } from './files';
import type { CaseEntry, DatasetLayout } from './types';

export function btcv(root: string, base: string, problems: DataProblem[]): DatasetLayout {
  const imgDir = path.join(base, 'img');
  const labDir = path.join(base, 'label');
  const cases: CaseEntry[] = [];
  const seen = new Set<string>();
  for (const f of listFiles(imgDir, /^img\d+\.nii(\.gz)?$/i)) {
    const num = /^img(\d+)/i.exec(f)![1];
    seen.add(num);
    const label = [`label${num}.nii.gz`, `label${num}.nii`].map((l) => path.join(labDir, l)).find((l) => existsSync(l));
    if (!label) problems.push({ caseId: `img${num}`, file: path.join(labDir, `label${num}.nii.gz`), message: 'label missing' });
    cases.push({ id: `img${num}`, images: [path.join(imgDir, f)], labels: label ? [label] : undefined });
  }
  for (const f of listFiles(labDir, /^label\d+\.nii(\.gz)?$/i)) {
    const num = /^label(\d+)/i.exec(f)![1];
    if (!seen.has(num)) problems.push({ caseId: `img${num}`, file: path.join(labDir, f), message: 'label without an image in img/' });
  }
  return { kind: 'btcv', root, unit: 'volume', cases, labelNames: BTCV_LABELS, problems };
}

/** The 13 BTCV organs (Synapse multi-organ challenge). */
export const BTCV_LABELS: Record<number, string> = {
  0: 'background',
  1: 'spleen',
  2: 'right kidney',
  3: 'left kidney',
  4: 'gallbladder',
  5: 'esophagus',
  6: 'liver',
  7: 'stomach',
  8: 'aorta',
  9: 'inferior vena cava',
  10: 'portal and splenic vein',
  11: 'pancreas',
  12: 'right adrenal gland',
  13: 'left adrenal gland',
};

/** AbdomenCT-1K masks: liver, kidney, spleen, pancreas. */
export const ABDOMENCT1K_LABELS: Record<number, string> = { 0: 'background', 1: 'liver', 2: 'kidney', 3: 'spleen', 4: 'pancreas' };

export function findAbdomenCt1kImages(root: string): string[] {
  const re = /^Case_\d{5}_0000\.nii(\.gz)?$/;
  const out: string[] = [];
  for (const d of ['', ...readdirSync(root).filter((f) => f !== 'Mask' && isDir(path.join(root, f)))]) {
    for (const f of listFiles(path.join(root, d), re)) out.push(path.join(root, d, f));
  }
  return out.sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
}

export function abdomenCt1k(root: string, images: string[], problems: DataProblem[]): DatasetLayout {
  const maskDir = path.join(root, 'Mask');
  const hasMasks = isDir(maskDir);
  const cases: CaseEntry[] = [];
  const ids = new Set<string>();
  for (const img of images) {
    const id = path.basename(img).replace(/_0000\.nii(\.gz)?$/, '');
    ids.add(id);
    const label = [`${id}.nii.gz`, `${id}.nii`].map((l) => path.join(maskDir, l)).find((l) => existsSync(l));
    if (hasMasks && !label) problems.push({ caseId: id, file: path.join(maskDir, `${id}.nii.gz`), message: 'mask missing' });
    cases.push({ id, images: [img], labels: label ? [label] : undefined });
  }
  for (const f of listFiles(maskDir, NII))
    if (!ids.has(stripNii(f)))
      problems.push({ caseId: stripNii(f), file: path.join(maskDir, f), message: 'mask without an image (Case_NNNNN_0000.nii.gz)' });
  return { kind: 'abdomenct-1k', root, unit: 'volume', cases, labelNames: hasMasks ? ABDOMENCT1K_LABELS : undefined, problems };
}
