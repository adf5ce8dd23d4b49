/**
 * Walking a dataset folder with symlinks in it. Symlinks to files are followed (a dataset assembled
 * from links is common); a symlinked folder is followed only when it resolves inside the dataset
 * root, so `up -> ..` cannot pull sibling datasets in; every real file and folder is visited once, so
 * `self -> .` cannot count a volume three times (and put it on both sides of the split). A link that
 * leads back into a folder being walked (a loop), outside the root, or nowhere is reported, not walked.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from './errors';

export class DatasetWalker {
  private readonly rootReal: string;
  private readonly seenDirs = new Set<string>();
  private readonly seenFiles = new Set<string>();

  constructor(
    readonly root: string,
    private readonly problems: DataProblem[],
  ) {
    this.rootReal = safeRealpath(root) ?? path.resolve(root);
    this.seenDirs.add(this.rootReal);
  }

  /** Sorted entries of `dir` (hidden ones skipped), split into folders to walk and files (each real file once). */
  entries(dir: string, ancestors: readonly string[] = [this.rootReal]): { dirs: string[]; files: string[] } {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((f) => !f.startsWith('.'))
        .sort();
    } catch {
      return { dirs: [], files: [] };
    }
    const dirs: string[] = [];
    const files: string[] = [];
    for (const f of names) {
      const p = path.join(dir, f);
      const real = safeRealpath(p);
      if (real === null) {
        this.problems.push({ file: p, message: 'is a broken symlink (or a symlink loop); skipped' });
        continue;
      }
      let isDir: boolean;
      try {
        isDir = statSync(real).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (ancestors.includes(real)) {
          this.problems.push({ file: p, message: `symlink loop: it leads back to ${real}, a folder that contains it; not walked` });
        } else if (!isInside(real, this.rootReal)) {
          this.problems.push({
            file: p,
            message: `symlinked folder leads outside the dataset folder (to ${real}); not followed — move the folder in, or link its files`,
          });
        } else if (!this.seenDirs.has(real)) {
          this.seenDirs.add(real);
          dirs.push(p);
        }
      } else if (!this.seenFiles.has(real)) {
        this.seenFiles.add(real);
        files.push(p);
      }
    }
    return { dirs, files };
  }

  /** The real path of a folder returned by {@link entries} (for the `ancestors` of its own walk). */
  real(dir: string): string {
    return safeRealpath(dir) ?? path.resolve(dir);
  }
}

function safeRealpath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
