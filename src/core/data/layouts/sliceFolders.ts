/** The slice-folders layout: PNG slices in images/ and labels/, paired by file name and grouped into cases. */
import * as path from 'node:path';
import type { DataProblem } from '../errors';
import { listFiles, PNG } from './files';
import type { CaseEntry, DatasetLayout } from './types';

/** Case of a slice file: the name without extension and trailing slice number. */
export function sliceCaseId(file: string): string {
  const stem = path.basename(file).replace(/\.[^.]+$/, '');
  const m = /^(.*?)[_\-. ]?(?:slice|s|z)?[_-]?(\d+)$/i.exec(stem);
  return m && m[1] !== '' ? m[1] : stem;
}

export function groupSlices(dir: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const f of listFiles(dir, PNG)) {
    const id = sliceCaseId(f);
    if (!by.has(id)) by.set(id, []);
    by.get(id)!.push(f);
  }
  // natural order of the slice number
  for (const files of by.values()) files.sort((a, b) => sliceNumber(a) - sliceNumber(b) || a.localeCompare(b));
  return by;
}

function sliceNumber(f: string): number {
  const m = /(\d+)\.[^.]+$/.exec(f);
  return m ? Number(m[1]) : 0;
}

export function sliceFolders(root: string, problems: DataProblem[]): DatasetLayout {
  const imgDir = path.join(root, 'images');
  const labDir = path.join(root, 'labels');
  const labels = new Set(listFiles(labDir, PNG));
  const cases: CaseEntry[] = [];
  for (const [id, files] of [...groupSlices(imgDir).entries()].sort()) {
    const labs: string[] = [];
    for (const f of files) {
      if (!labels.has(f)) problems.push({ caseId: id, file: path.join(labDir, f), message: `label slice missing for images/${f}` });
      labels.delete(f);
      labs.push(path.join(labDir, f));
    }
    cases.push({ id, images: files.map((f) => path.join(imgDir, f)), labels: labs });
  }
  for (const f of labels)
    problems.push({ caseId: sliceCaseId(f), file: path.join(labDir, f), message: 'label slice without an image in images/' });
  return { kind: 'slice-folders', root, unit: 'slices', cases, problems };
}
