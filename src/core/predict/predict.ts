/**
 * `medssl predict`'s core: segments each input volume with a saved segmentation model and writes, in
 * the output folder, per volume a uint8 label map on the input's own grid (`<name>_seg.nii[.gz]`),
 * optionally a float32 4-D map of class probabilities (`<name>_prob.nii[.gz]`), and for all volumes one
 * overlays folder for the Overlays panel. With labels, Dice per class per volume two ways:
 * - `native`: the written label map against the label volume, voxel for voxel on the input grid;
 * - `modelGrid`: as the evaluation measures it (eval/segment.ts), the argmax of the logits at the
 *   model's slice size against the labels resized there by nearest neighbour, over the slices the
 *   evaluation keeps (all, or those with foreground when `data.foregroundOnly`). For the held-out cases
 *   of the run's own dataset this is the evaluation's Dice, number for number; the native Dice equals
 *   it only when the slice size is the data's own in-plane size (no resampling either way).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IntensityPreset } from '../data/preprocess';
import { prepareLabelSlices, prepareVolumeSlices } from '../data/resample';
import { summarizeDice, VolumeDice, type CaseDice, type DiceSummary, type SliceDice } from '../metrics/dice';
import { readCaseVolumes } from './caseVolumes';
import { PredictInputError, type PredictCase } from './inputs';
import { encodeNiftiImage } from './niftiOut';
import { freeName, writeNew } from './outputFiles';
import { chooseSegmentedSlices, encodePredictOverlays, type PredictOverlaySlice } from './predictOverlays';
import { segmentVolume, type SliceModel } from './segmentVolume';

export interface PredictOptions {
  model: SliceModel & { classNames: string[] };
  intensity: IntensityPreset;
  /** Slices the evaluation keeps for Dice at the model grid: all, or only those with foreground. */
  foregroundOnly: boolean;
  outDir: string;
  probabilities: boolean;
  batch: number;
  /** Overlay slices per volume (0: no overlays folder). */
  overlaySlices: number;
  onProgress?: (p: { case: string; done: number; total: number }) => void;
  /** Which run's model, for the overlays' title. */
  source?: { runName: string; runId: string; kind: string };
}

export interface PredictedCase {
  name: string;
  input: string;
  output: string;
  probabilities: string | null;
  shape: number[];
  slices: number;
  dice: { native: CaseDice; modelGrid: CaseDice } | null;
}

export interface PredictResult {
  outDir: string;
  cases: PredictedCase[];
  slices: number;
  /** Seconds of slicing, model and back-projection (reading and writing files excluded). */
  segmentSeconds: number;
  slicesPerSecond: number;
  seconds: number;
  dice: { native: DiceSummary; modelGrid: DiceSummary } | null;
  /** `<outDir>/overlays/<tag>`, relative to outDir, or null. */
  overlays: { dir: string; tag: string } | null;
}

/** Creates the output folder if needed and checks that files can be created in it (exit 2 otherwise). */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    if (!(await fs.promises.stat(dir)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    await fs.promises.access(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'permission denied'
        : code === 'ENOTDIR'
          ? 'not a folder'
          : (code ?? (e as Error).message);
    throw new PredictInputError(`${dir}: the output folder cannot be written (${why})`);
  }
}

export async function predictCases(cases: readonly PredictCase[], o: PredictOptions): Promise<PredictResult> {
  const t0 = Date.now();
  await ensureWritableDir(o.outDir);
  const { model } = o;
  const S = model.sliceSize;
  const K = model.numClasses;
  const native = new VolumeDice(K);
  const grid = new VolumeDice(K);
  const out: PredictedCase[] = [];
  const overlay: PredictOverlaySlice[] = [];
  let segMs = 0;
  let slices = 0;
  for (const c of cases) {
    const { image, geometry, label } = await readCaseVolumes(c, K);
    const s0 = Date.now();
    const seg = await segmentVolume(model, image, o.intensity, {
      batch: o.batch,
      probabilities: o.probabilities,
      onBatch: (done, total) => o.onProgress?.({ case: c.name, done, total }),
    });
    segMs += Date.now() - s0;
    slices += seg.slices;
    const zs = Array.from({ length: seg.slices }, (_, z) => z);
    let gridSlices: Map<number, SliceDice> | undefined;
    let labelSlices: Map<number, Float32Array> | undefined;
    if (label) {
      native.add(c.name, label.data, seg.labels);
      labelSlices = new Map(prepareLabelSlices(label, [S, S], zs).map((s, z) => [z, s.data]));
      gridSlices = new Map();
      for (const z of zs) {
        const t = labelSlices.get(z)!;
        if (o.foregroundOnly && !t.some((v) => v !== 0)) continue;
        gridSlices.set(z, grid.add(c.name, t, seg.modelGrid[z], z));
      }
    }
    const gz = /\.gz$/i.test(c.indexed.images[0]) || c.indexed.kind === 'dicom';
    const ext = gz ? '.nii.gz' : '.nii';
    const labelsBytes = encodeNiftiImage(
      { geometry, frames: 1, datatype: 'uint8', data: seg.labels, intentCode: 1002, cal: [0, K - 1] },
      gz,
    );
    const output = await writeNew(o.outDir, `${c.name}_seg${ext}`, labelsBytes);
    let probFile: string | null = null;
    if (seg.probabilities) {
      const bytes = encodeNiftiImage(
        { geometry, frames: K, datatype: 'float32', data: seg.probabilities, intentCode: 0, cal: [0, 1] },
        gz ? 1 : false,
      );
      probFile = await writeNew(o.outDir, `${c.name}_prob${ext}`, bytes);
    }
    if (o.overlaySlices > 0) {
      const keep = chooseSegmentedSlices(seg.modelGrid, o.overlaySlices);
      const images = prepareVolumeSlices(image, o.intensity, [S, S], keep);
      keep.forEach((z, i) =>
        overlay.push({
          caseId: c.name,
          z,
          image: images[i].data,
          pred: seg.modelGrid[z],
          truth: labelSlices?.get(z),
          dice: gridSlices?.get(z),
        }),
      );
    }
    out.push({
      name: c.name,
      input: c.indexed.kind === 'dicom' ? path.dirname(c.indexed.images[0]) : c.indexed.images[0],
      output,
      probabilities: probFile,
      shape: [...image.shape],
      slices: seg.slices,
      dice: label ? { native: native.caseDice(c.name), modelGrid: grid.caseDice(c.name) } : null,
    });
  }
  const caseDice = grid.cases().map((k) => ({ caseId: k.caseId, perClass: k.perClass, meanForeground: k.meanForeground }));
  const overlays = overlay.length > 0 ? await writeOverlays(o, overlay, caseDice) : null;
  const labelled = out.filter((c) => c.dice);
  const segmentSeconds = segMs / 1000;
  return {
    outDir: o.outDir,
    cases: out,
    slices,
    segmentSeconds,
    slicesPerSecond: segmentSeconds > 0 ? slices / segmentSeconds : 0,
    seconds: (Date.now() - t0) / 1000,
    dice: labelled.length > 0 ? { native: summarizeDice(native.cases(), K), modelGrid: summarizeDice(grid.cases(), K) } : null,
    overlays,
  };
}

/** `<outDir>/overlays/predict[-N]/`: a new tag folder each time (never replacing one a panel may show). */
async function writeOverlays(
  o: PredictOptions,
  slices: PredictOverlaySlice[],
  caseDice: { caseId: string; perClass: Array<number | null>; meanForeground: number | null }[],
): Promise<{ dir: string; tag: string }> {
  const window = o.intensity.kind !== 'zscore';
  let lo = Infinity;
  let hi = -Infinity;
  if (!window)
    for (const s of slices)
      for (const v of s.image) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  const { index, data } = encodePredictOverlays(slices, {
    size: o.model.sliceSize,
    numClasses: o.model.numClasses,
    classNames: o.model.classNames,
    displayRange: window ? [0, 1] : [lo, hi],
  });
  const root = path.join(o.outDir, 'overlays');
  await fs.promises.mkdir(root, { recursive: true });
  const dir = await freeName(root, 'predict');
  const tmp = `${dir}.${process.pid}.tmp`;
  await fs.promises.mkdir(tmp, { recursive: true });
  await fs.promises.writeFile(path.join(tmp, 'slices.bin'), data);
  // the panel's title and, with labels, the case Dice at the model grid (there is no metrics.json here)
  const full = { ...index, ...(o.source ? { prediction: o.source } : {}), ...(index.groundTruth ? { caseDice } : {}) };
  await fs.promises.writeFile(path.join(tmp, 'index.json'), JSON.stringify(full));
  await fs.promises.rename(tmp, dir);
  return { dir: path.relative(o.outDir, dir), tag: path.basename(dir) };
}
