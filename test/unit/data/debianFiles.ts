/**
 * Paths of the real test images extracted from Debian packages by `node scripts/fetch-test-data.mjs`
 * (docs/DEVELOPMENT.md, "Test data"). `debianFile` throws a message naming that command when a file is missing: tests that
 * need these files fail loudly, never skip.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../../..');
export const debianCache = path.join(repoRoot, '.test-cache', 'debian');

const FILES = {
  ch2: 'mricron-data/usr/share/mricron/templates/ch2.nii.gz',
  aal: 'mricron-data/usr/share/mricron/templates/aal.nii.gz',
  aalTxt: 'mricron-data/usr/share/mricron/templates/aal.nii.txt',
  nifti2: 'python3-nibabel/usr/lib/python3/dist-packages/nibabel/tests/data/example_nifti2.nii.gz',
  anatomical: 'python3-nibabel/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii',
  functional: 'python3-nibabel/usr/lib/python3/dist-packages/nibabel/tests/data/functional.nii',
  reorientedAnat: 'python3-nibabel/usr/lib/python3/dist-packages/nibabel/tests/data/reoriented_anat_moved.nii',
  standard: 'python3-nibabel/usr/lib/python3/dist-packages/nibabel/tests/data/standard.nii.gz',
  ctSmall: 'python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm',
  jpeg2000: 'python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/JPEG2000.dcm',
} as const;

export type DebianFile = keyof typeof FILES;

export function debianFile(name: DebianFile): string {
  const p = path.join(debianCache, FILES[name]);
  if (!existsSync(p)) {
    throw new Error(
      `test data missing: ${p}\nRun 'node scripts/fetch-test-data.mjs' (apt-get download + dpkg-deb -x into .test-cache/debian/) and run the tests again.`,
    );
  }
  return p;
}
