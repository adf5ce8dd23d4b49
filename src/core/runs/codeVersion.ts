/** The code version written into run.json: package.json version, plus `git describe` when in a checkout. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** Finds the package root (the folder whose package.json is medssl-studio's) from `start` upwards. */
export function findPackageRoot(start: string = __dirname): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string };
      if (pkg.name === 'medssl-studio') return dir;
    } catch {
      /* not here */
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** e.g. "0.1.0 (04ef4c8-dirty)", "0.1.0" outside a git checkout, "unknown" when no package.json is found. */
export function codeVersion(): string {
  if (cached !== undefined) return cached;
  const root = findPackageRoot();
  if (!root) return (cached = 'unknown');
  let version = 'unknown';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    /* keep unknown */
  }
  if (fs.existsSync(path.join(root, '.git'))) {
    try {
      const d = execFileSync('git', ['describe', '--always', '--dirty', '--tags'], { cwd: root, encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (d) version += ` (${d})`;
    } catch {
      /* no git on PATH, or not a repository */
    }
  }
  return (cached = version);
}
