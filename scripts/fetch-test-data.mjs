#!/usr/bin/env node
// Fetches the real medical test images that ship in Debian packages (docs/DEVELOPMENT.md, "Test data") into
// .test-cache/debian/<package>/ with `apt-get download` + `dpkg-deb -x` (no system-wide install).
// Idempotent: a package whose extraction finished (marker file present) is skipped.
// Usage: node scripts/fetch-test-data.mjs [--quiet]
// Tests find the files through test/unit/data/debianFiles.ts (same paths as printed here).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.test-cache', 'debian');
const quiet = process.argv.includes('--quiet');

/** Package → the files the tests use (relative to the extracted package root). */
const PACKAGES = {
  'mricron-data': [
    'usr/share/mricron/templates/ch2.nii.gz',
    'usr/share/mricron/templates/aal.nii.gz',
    'usr/share/mricron/templates/aal.nii.txt',
  ],
  'python3-nibabel': [
    'usr/lib/python3/dist-packages/nibabel/tests/data/example_nifti2.nii.gz',
    'usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii',
    'usr/lib/python3/dist-packages/nibabel/tests/data/functional.nii',
    'usr/lib/python3/dist-packages/nibabel/tests/data/reoriented_anat_moved.nii',
    'usr/lib/python3/dist-packages/nibabel/tests/data/standard.nii.gz',
  ],
  'python3-pydicom': [
    'usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm',
    'usr/lib/python3/dist-packages/pydicom/data/test_files/JPEG2000.dcm',
  ],
};

function log(s) {
  if (!quiet) process.stdout.write(s + '\n');
}

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = e.stderr ? String(e.stderr).trim() : '';
    throw new Error(`'${cmd} ${args.join(' ')}' failed in ${cwd}: ${stderr || e.message}`);
  }
}

mkdirSync(cache, { recursive: true });
let failed = false;
for (const [pkg, files] of Object.entries(PACKAGES)) {
  const dest = join(cache, pkg);
  const marker = join(dest, '.complete');
  if (existsSync(marker)) {
    log(`${pkg}: present in ${dest}`);
  } else {
    try {
      const work = join(cache, `.download-${pkg}`);
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      log(`${pkg}: apt-get download …`);
      run('apt-get', ['download', pkg], work);
      const deb = readdirSync(work).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb in ${work}`);
      // Extract into a temporary folder, then rename: an interrupted run never looks complete.
      const tmp = join(cache, `.extract-${pkg}`);
      rmSync(tmp, { recursive: true, force: true });
      run('dpkg-deb', ['-x', join(work, deb), tmp], cache);
      writeFileSync(join(tmp, '.complete'), `${deb}\n`);
      rmSync(dest, { recursive: true, force: true });
      renameSync(tmp, dest);
      rmSync(work, { recursive: true, force: true });
      log(`${pkg}: extracted ${deb} into ${dest}`);
    } catch (e) {
      failed = true;
      process.stderr.write(
        `fetch-test-data: ${pkg}: ${e.message}\n  Needs the Debian package index (run 'apt-get update' as root) and access to the Debian mirror.\n`,
      );
      continue;
    }
  }
  for (const f of files) {
    const p = join(dest, f);
    if (existsSync(p)) log(`  ${p}`);
    else {
      failed = true;
      process.stderr.write(`fetch-test-data: ${pkg} has no ${f} (package layout changed?)\n`);
    }
  }
}
process.exitCode = failed ? 1 : 0;
