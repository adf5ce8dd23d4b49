/**
 * Header readers for the dataset index: the size of a case from its file headers alone, pixels never
 * read — NIfTI (the first bytes of the file), a DICOM series (every file's header: the series is
 * checked — one series, CT, even spacing — and ordered) and a PNG slice (its IHDR chunk). Volume
 * shapes are given after reorientation to RAS, the grid the slices are cut from.
 */
import { basename } from 'node:path';
import { planSeries, readDicomHeader } from './dicom';
import { DataError } from './errors';
import { readFileHead } from './fileBytes';
import { niftiAffine, readNiftiHeaderOnly } from './niftiHeader';
import { rasIndexing } from './resample';
import type { Vec3 } from './volume';

/** Shape of a NIfTI volume after reorientation to RAS, from its header; checks that the file holds one 3-D volume. */
export function niftiVolumeShape(file: string, caseId: string): Vec3 {
  const h = readNiftiHeaderOnly(file, caseId);
  const name = basename(file);
  const dims = h.dims.slice(1, h.ndim + 1);
  const spatial: Vec3 = [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
  if (h.ndim < 3 || spatial.filter((d) => d > 1).length < 2)
    throw new DataError(
      name,
      `${Math.min(h.ndim, spatial.filter((d) => d > 1).length)}-D image with shape [${dims.join(', ')}]; a volume needs 3 spatial dimensions`,
      caseId,
    );
  const frames = dims.slice(3).reduce((a, b) => a * b, 1);
  if (frames > 1)
    throw new DataError(name, `${h.ndim}-D image with shape [${dims.join(', ')}] (${frames} frames); a CT volume must be 3-D`, caseId);
  return rasIndexing(spatial, niftiAffine(h).affine).shape;
}

/** Shape of a DICOM series after reorientation to RAS, from its files' headers (every file checked: one series, CT, even spacing). */
export function dicomSeriesShape(files: string[], caseId: string): Vec3 {
  const plan = planSeries(
    files.map((f) => readDicomHeader(f, caseId)),
    caseId,
  );
  return rasIndexing(plan.shape, plan.affine).shape;
}

/** PNG width and height from the IHDR chunk (no decoding). */
export function pngSize(file: string, caseId: string): [number, number] {
  const b = readFileHead(file, 24, caseId);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString('latin1', 12, 16) !== 'IHDR')
    throw new DataError(basename(file), 'not a PNG file (no PNG signature)', caseId);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}
