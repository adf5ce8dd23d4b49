/**
 * Reading one case of the index from disk (or generating it, for the phantom) as it is stored: the
 * raw volume (NIfTI in its stored voxel order, a DICOM series) or the decoded PNG slices, with the label
 * when it is wanted. This is where a slice read touches the disk; the prepared-slice cache calls it on
 * a miss and drops the raw data once the slices are prepared.
 */
import { basename } from 'node:path';
import type { IndexedCase } from './caseIndex';
import { readDicomSeriesFiles, readDicomSeriesFilesSync } from './dicom';
import { readFileBytes, readFileBytesSync } from './fileBytes';
import { readNifti, readNiftiFile, type NiftiVolume } from './nifti';
import { generatePhantomCase } from './phantom/generate';
import { decodeGrayPng, type GrayPng } from './png';
import type { Volume } from './volume';

/** A case as read: a volume (and label volume), or the PNG slices of `IndexedCase.slices` in that order. */
export interface RawCase {
  volume?: { image: Volume | NiftiVolume; label?: Volume };
  png?: { images: GrayPng[]; labels?: GrayPng[] };
}

/** Reads a case synchronously (the event loop waits: for index building and callers without a loop to keep). */
export function readCaseSync(c: IndexedCase, withLabel: boolean): RawCase {
  if (c.kind === 'phantom') {
    const pc = generatePhantomCase(c.phantom!.index, c.phantom!.options);
    return { volume: { image: pc.image, label: withLabel ? pc.label : undefined } };
  }
  if (c.kind === 'dicom') return { volume: { image: readDicomSeriesFilesSync(c.images, c.id) } };
  if (c.kind === 'nifti') {
    const rd = (f: string) => readNifti(readFileBytesSync(f, c.id), { file: basename(f), caseId: c.id, reorient: false });
    return { volume: { image: rd(c.images[0]), label: withLabel && c.labels ? rd(c.labels[0]) : undefined } };
  }
  const dec = (f: string) => decodeGrayPng(readFileBytesSync(f, c.id), basename(f), c.id);
  return {
    png: {
      images: c.slices.map((z) => dec(c.images[z])),
      labels: withLabel && c.labels ? c.slices.map((z) => dec(c.labels![z])) : undefined,
    },
  };
}

/** Reads a case with file reads and gunzip on libuv's thread pool, so that they overlap a training step. */
export async function readCase(c: IndexedCase, withLabel: boolean): Promise<RawCase> {
  if (c.kind === 'phantom') return readCaseSync(c, withLabel);
  if (c.kind === 'dicom') return { volume: { image: await readDicomSeriesFiles(c.images, c.id) } };
  if (c.kind === 'nifti') {
    const [image, label] = await Promise.all([
      readNiftiFile(c.images[0], { caseId: c.id, reorient: false }),
      withLabel && c.labels ? readNiftiFile(c.labels[0], { caseId: c.id, reorient: false }) : Promise.resolve(undefined),
    ]);
    return { volume: { image, label } };
  }
  const dec = async (f: string) => decodeGrayPng(await readFileBytes(f, c.id), basename(f), c.id);
  const images = await Promise.all(c.slices.map((z) => dec(c.images[z])));
  const labels = withLabel && c.labels ? await Promise.all(c.slices.map((z) => dec(c.labels![z]))) : undefined;
  return { png: { images, labels } };
}
