/**
 * Reading one predict case: the image volume as stored (caseReader.ts, as training reads it) with its
 * NIfTI geometry, and its label volume when there is one, checked to lie on the same grid and to hold
 * only classes the model knows.
 */
import * as path from 'node:path';
import { readCase } from '../data/caseReader';
import { DataError } from '../data/errors';
import { readNiftiFile, type NiftiVolume } from '../data/nifti';
import { sameGrid } from '../data/preprocess';
import type { Volume } from '../data/volume';
import type { PredictCase } from './inputs';
import { PredictInputError } from './inputs';
import { geometryOfAffine, geometryOfHeader, type NiftiGeometry } from './niftiOut';

export interface CaseVolumes {
  image: Volume;
  geometry: NiftiGeometry;
  label?: Volume;
}

export async function readCaseVolumes(c: PredictCase, numClasses: number): Promise<CaseVolumes> {
  const raw = await readCase(c.indexed, false);
  const image = raw.volume!.image;
  const nan = (image as Partial<NiftiVolume>).nanCount ?? 0;
  if (nan > 0) throw new DataError(c.indexed.images[0], `${nan} NaN voxels; the image must be finite everywhere`, c.indexed.id);
  const header = (image as Partial<NiftiVolume>).header;
  const geometry = header ? geometryOfHeader(header) : geometryOfAffine(image.shape, image.affine);
  if (!c.labelFile) return { image, geometry };
  const label = await readNiftiFile(c.labelFile, { reorient: false });
  if (label.shape.some((n, i) => n !== image.shape[i]) || !sameGrid(image.affine, label.affine))
    throw new PredictInputError(
      `${c.labelFile}: label grid ${label.shape.join('×')} differs from its image ${path.basename(c.indexed.images[0])} (${image.shape.join('×')}, or its position); they must match voxel for voxel`,
    );
  for (const v of label.data)
    if (!(Number.isInteger(v) && v >= 0 && v < numClasses))
      throw new PredictInputError(`${c.labelFile}: label value ${v} is not a class of the model (0..${numClasses - 1})`);
  return { image, geometry, label };
}
