/** DICOM detection for the layout walker: which files are DICOM, and which folders hold a series. */
import { closeSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from '../errors';
import { DatasetWalker } from '../safeWalk';
import type { CaseEntry } from './types';

/** Files that are certainly not DICOM (skipped without opening them). */
const NOT_DICOM = /\.(png|jpe?g|nii|gz|json|txt|md|csv|xml|html?|pdf|zip|yaml|yml|py|sh)$/i;

/** A `.dcm` file, or a file whose bytes 128–131 are "DICM" (DICOM Part 10 files without an extension). */
export function isDicomFile(file: string): boolean {
  if (path.basename(file).toUpperCase() === 'DICOMDIR') return false; // the index of a CD/DVD export, not an image
  if (/\.dcm$/i.test(file)) return true;
  if (NOT_DICOM.test(file)) return false;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const b = Buffer.alloc(132);
    const n = readSync(fd, b, 0, 132, 0);
    return n === 132 && b.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Folders holding DICOM files (the root and sub-folders up to three levels down), one case each. */
export function findDicomSeries(root: string, problems: DataProblem[]): CaseEntry[] {
  const out: CaseEntry[] = [];
  const found: DataProblem[] = [];
  const walker = new DatasetWalker(root, found);
  const walk = (dir: string, depth: number, ancestors: string[]) => {
    const { dirs, files: all } = walker.entries(dir, ancestors);
    const files = all.filter((p) => isDicomFile(p));
    if (files.length > 0) {
      const rel = path.relative(root, dir);
      out.push({ id: rel === '' ? path.basename(root) : rel.split(path.sep).join('/'), images: files });
    }
    if (depth < 3) for (const d of dirs) walk(d, depth + 1, [...ancestors, walker.real(d)]);
  };
  walk(root, 0, [walker.real(root)]);
  if (out.length > 0) problems.push(...found);
  return out;
}
