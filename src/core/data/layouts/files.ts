/** File helpers shared by the layout detectors: NIfTI/PNG name patterns, sorted listings, dataset.json reading. */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from '../errors';

export const NII = /\.nii(\.gz)?$/i;
export const PNG = /\.png$/i;
export const stripNii = (f: string) => f.replace(NII, '');

/** Matching file names in `dir`, sorted; two names linking to one real file count once. */
export function listFiles(dir: string, re: RegExp): string[] {
  if (!isDir(dir)) return [];
  const seen = new Set<string>();
  return readdirSync(dir)
    .filter((f) => re.test(f) && !f.startsWith('.') && !f.startsWith('._'))
    .sort()
    .filter((f) => {
      let real: string;
      try {
        real = realpathSync(path.join(dir, f));
      } catch {
        return true; // a broken link: reported when it is read
      }
      if (seen.has(real)) return false;
      seen.add(real);
      return true;
    });
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function readJson(file: string, problems: DataProblem[]): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    problems.push({ file, message: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
    return null;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ file, message: 'is not a JSON object' });
      return null;
    }
    return v as Record<string, unknown>;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      where = `:${line}:${pos - before.lastIndexOf('\n')}`;
    }
    problems.push({ file: file + where, message: `invalid JSON (${(e as Error).message})` });
    return null;
  }
}

export function caseIdFromPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return stripNii(rel).split(path.sep).join('/');
}
