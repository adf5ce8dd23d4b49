/**
 * Output files that never replace anything: a name that exists gets a `-1`, `-2`, … suffix, and the
 * bytes go to a temporary file in the same folder that is then hard-linked to the free name (the link
 * fails instead of overwriting when another writer took the name meanwhile) or, where links are not
 * supported, renamed. A reader sees no file or the whole file, never part of one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Splits `case_seg.nii.gz` into `case_seg` and `.nii.gz` (so the suffix goes before the extension). */
export function splitExtension(name: string): [string, string] {
  const m = /(\.nii\.gz|\.nii|\.[^./\\]+)$/i.exec(name);
  return m ? [name.slice(0, -m[1].length), m[1]] : [name, ''];
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The first of `name`, `name-1`, `name-2`, … that does not exist in `dir` (also checked against `taken`). */
export async function freeName(dir: string, name: string, taken: ReadonlySet<string> = new Set()): Promise<string> {
  const [stem, ext] = splitExtension(name);
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, i === 0 ? name : `${stem}-${i}${ext}`);
    if (!taken.has(candidate) && !(await exists(candidate))) return candidate;
  }
}

let tmpCount = 0;

/** Writes `bytes` under a free variant of `name` in `dir` (temporary file, then link or rename); returns the path. */
export async function writeNew(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const tmp = path.join(dir, `.${name}.${process.pid}.${++tmpCount}.tmp`);
  await fs.writeFile(tmp, bytes, { flag: 'wx' });
  try {
    for (;;) {
      const target = await freeName(dir, name);
      try {
        await fs.link(tmp, target);
        return target;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
          await fs.rename(tmp, target);
          return target;
        }
        throw e;
      }
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
