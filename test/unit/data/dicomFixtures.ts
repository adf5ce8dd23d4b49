/**
 * DICOM CT series for tests, made from pydicom's CT_small.dcm (python3-pydicom, fetched by
 * scripts/fetch-test-data.mjs).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDicom } from 'dicom-parser';
import { debianFile } from './debianFiles';

// pydicom's CT_small.dcm is ONE 128×128 CT slice (pydicom 2.3: HU = pixel − 1024, min −896, max 1167,
// a[64, 64] = 904, a[100, 30] = 65, ImagePositionPatient z = −75.699997, Series UID 1.3.6.1.4.1.5962.…).
// No multi-slice CT series ships in a Debian package, so the series here are copies of that one slice
// with same-length edits of header values (position, rescale intercept, series UID, modality), made
// with the element offsets dicom-parser reports. The intercept edit makes each copy's HU differ by a
// known amount, so the test can check both the slice order and that rescaling is applied.

/** A copy of CT_small.dcm with header values replaced (each padded with spaces to its element's length). */
export function ctSlice(edits: { z?: number; intercept?: number; seriesUid?: string; modality?: string; orientation?: string }): Buffer {
  const b = Buffer.from(readFileSync(debianFile('ctSmall')));
  const ds = parseDicom(b);
  const put = (tag: string, value: string) => {
    const e = ds.elements[tag];
    assert.ok(e && value.length <= e.length, `${tag}: '${value}' does not fit ${e?.length} bytes`);
    b.write(value.padEnd(e.length, ' '), e.dataOffset, 'latin1');
  };
  if (edits.z !== undefined) put('x00200032', `-158.135803\\-179.035797\\${edits.z.toFixed(6)}`);
  if (edits.intercept !== undefined) put('x00281052', String(edits.intercept));
  if (edits.seriesUid !== undefined) put('x0020000e', edits.seriesUid);
  if (edits.modality !== undefined) put('x00080060', edits.modality);
  if (edits.orientation !== undefined) put('x00200037', edits.orientation);
  return b;
}
