/**
 * Dataset layouts, detected from what is on disk, never declared (a folder is read as it was downloaded):
 * - `msd`: Medical Segmentation Decathlon — dataset.json with `training: [{image, label}]`, imagesTr/, labelsTr/.
 * - `nnunet-v2`: dataset.json with `channel_names`, `labels: {name: value}`, `file_ending`; imagesTr/
 *   files carry a channel suffix (`case_0000.nii.gz`), labelsTr/ files do not.
 * - `btcv`: `img/imgNNNN.nii.gz` with `label/labelNNNN.nii.gz` (the Synapse release, possibly under
 *   `Training/` or `RawData/Training/`).
 * - `abdomenct-1k`: `Case_NNNNN_0000.nii.gz` images (in any sub-folder) and `Mask/Case_NNNNN.nii.gz`.
 * - `slice-folders`: `images/` + `labels/` with PNG slices paired by file name; the case is the file
 *   name without its trailing slice number (`case01_012.png` → `case01`).
 * - `dicom`: folders of DICOM CT slices (`.dcm` files, or files with the DICM preamble), one series per
 *   folder = one case (the folder itself, or its sub-folders up to three levels down, e.g.
 *   patient/study/series); the case id is the folder path. Unlabelled (pretraining). Every file of a
 *   case is checked when the dataset is opened or inspected (dicom.ts `planSeries`).
 * - `unlabelled`: any other folder of `.nii`/`.nii.gz` volumes or PNG slices, for pretraining.
 * Case identifiers always come from file names, never from header fields (privacy).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from './errors';
import { DatasetWalker } from './safeWalk';

export type LayoutKind = 'msd' | 'nnunet-v2' | 'btcv' | 'abdomenct-1k' | 'slice-folders' | 'dicom' | 'unlabelled';

export interface CaseEntry {
  id: string;
  /** A volume file; for slice folders the PNG files of the case in slice order; for `dicom` the files of the series (name order). */
  images: string[];
  /** Label files, same length as `images` when present. */
  labels?: string[];
}

export interface DatasetLayout {
  kind: LayoutKind;
  root: string;
  /** 'volume' for NIfTI volumes, 'slices' for PNG slice files. */
  unit: 'volume' | 'slices';
  cases: CaseEntry[];
  /** Label value → name, when the dataset declares them. */
  labelNames?: Record<number, string>;
  /** Problems found while reading the layout itself (missing files, orphans, bad dataset.json). */
  problems: DataProblem[];
}

const NII = /\.nii(\.gz)?$/i;
const PNG = /\.png$/i;
const stripNii = (f: string) => f.replace(NII, '');

/** Matching file names in `dir`, sorted; two names linking to one real file count once. */
function listFiles(dir: string, re: RegExp): string[] {
  if (!isDir(dir)) return [];
  const seen = new Set<string>();
  return readdirSync(dir)
    .filter((f) => re.test(f) && !f.startsWith('.') && !f.startsWith('._'))
    .sort()
    .filter((f) => {
      let real: string;
      try {
        real = realpathSync(path.join(dir, f));
      } catch {
        return true; // a broken link: reported when it is read
      }
      if (seen.has(real)) return false;
      seen.add(real);
      return true;
    });
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readJson(file: string, problems: DataProblem[]): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    problems.push({ file, message: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
    return null;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ file, message: 'is not a JSON object' });
      return null;
    }
    return v as Record<string, unknown>;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      where = `:${line}:${pos - before.lastIndexOf('\n')}`;
    }
    problems.push({ file: file + where, message: `invalid JSON (${(e as Error).message})` });
    return null;
  }
}

/** Detects the layout of a dataset folder (or a single volume file, treated as unlabelled). */
export function detectLayout(rootIn: string): DatasetLayout {
  const root = path.resolve(rootIn);
  const problems: DataProblem[] = [];
  if (!existsSync(root))
    return { kind: 'unlabelled', root, unit: 'volume', cases: [], problems: [{ file: root, message: 'does not exist' }] };
  if (!isDir(root)) {
    if (NII.test(root))
      return { kind: 'unlabelled', root, unit: 'volume', cases: [{ id: stripNii(path.basename(root)), images: [root] }], problems };
    return {
      kind: 'unlabelled',
      root,
      unit: 'volume',
      cases: [],
      problems: [{ file: root, message: 'is neither a folder nor a .nii/.nii.gz file' }],
    };
  }
  const dsJson = path.join(root, 'dataset.json');
  if (existsSync(dsJson)) {
    const ds = readJson(dsJson, problems);
    if (ds && ('channel_names' in ds || 'file_ending' in ds)) return nnunet(root, ds, problems);
    if (ds) return msd(root, ds, problems);
  }
  for (const sub of ['', 'Training', 'RawData/Training', 'Abdomen/RawData/Training']) {
    const base = path.join(root, sub);
    if (isDir(path.join(base, 'img')) && listFiles(path.join(base, 'img'), /^img\d+\.nii(\.gz)?$/i).length > 0)
      return btcv(root, base, problems);
  }
  if (isDir(path.join(root, 'Mask')) || findAbdomenCt1kImages(root).length > 0) {
    const imgs = findAbdomenCt1kImages(root);
    if (imgs.length > 0) return abdomenCt1k(root, imgs, problems);
  }
  if (isDir(path.join(root, 'images')) && isDir(path.join(root, 'labels'))) return sliceFolders(root, problems);
  return unlabelled(root, problems);
}

function labelNamesOf(v: unknown, nameToValue: boolean): Record<number, string> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<number, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (nameToValue) {
      // nnU-Net v2: {"background": 0, "liver": 1} (regions may map to arrays: take the first value)
      const n = Array.isArray(x) ? Number(x[0]) : Number(x);
      if (Number.isInteger(n)) out[n] = k;
    } else if (Number.isInteger(Number(k))) out[Number(k)] = String(x);
  }
  return out;
}

function msd(root: string, ds: Record<string, unknown>, problems: DataProblem[]): DatasetLayout {
  const dsFile = path.join(root, 'dataset.json');
  const cases: CaseEntry[] = [];
  const training = ds.training;
  if (!Array.isArray(training)) {
    problems.push({ file: dsFile, message: "has no 'training' list of {image, label} (Medical Segmentation Decathlon format)" });
  } else {
    training.forEach((t: unknown, i) => {
      const e = t as { image?: unknown; label?: unknown };
      if (typeof e?.image !== 'string') {
        problems.push({ file: dsFile, message: `training[${i}] has no 'image' path` });
        return;
      }
      const image = path.resolve(root, e.image);
      const id = stripNii(path.basename(image));
      const label = typeof e.label === 'string' ? path.resolve(root, e.label) : undefined;
      if (!existsSync(image))
        problems.push({ caseId: id, file: image, message: `listed in dataset.json (training[${i}].image) but missing` });
      if (label === undefined) problems.push({ caseId: id, file: dsFile, message: `training[${i}] has no 'label'` });
      else if (!existsSync(label))
        problems.push({ caseId: id, file: label, message: `label listed in dataset.json (training[${i}].label) but missing` });
      cases.push({ id, images: [image], labels: label && existsSync(label) ? [label] : undefined });
    });
    const listed = new Set(cases.map((c) => path.basename(c.images[0])));
    for (const f of listFiles(path.join(root, 'imagesTr'), NII)) {
      if (!listed.has(f))
        problems.push({
          caseId: stripNii(f),
          file: path.join(root, 'imagesTr', f),
          message: 'in imagesTr/ but not listed in dataset.json training',
        });
    }
    if (typeof ds.numTraining === 'number' && ds.numTraining !== training.length) {
      problems.push({ file: dsFile, message: `numTraining is ${ds.numTraining} but 'training' lists ${training.length} cases` });
    }
  }
  return { kind: 'msd', root, unit: 'volume', cases, labelNames: labelNamesOf(ds.labels, false), problems };
}

function nnunet(root: string, ds: Record<string, unknown>, problems: DataProblem[]): DatasetLayout {
  const ending = typeof ds.file_ending === 'string' ? ds.file_ending : '.nii.gz';
  const imgDir = path.join(root, 'imagesTr');
  const labDir = path.join(root, 'labelsTr');
  const re = new RegExp(`^(.*)_(\\d{4})${ending.replace(/\./g, '\\.')}$`);
  const byCase = new Map<string, string[]>();
  for (const f of listFiles(imgDir, /./)) {
    const m = re.exec(f);
    if (!m) {
      if (f.endsWith(ending))
        problems.push({
          file: path.join(imgDir, f),
          message: `has no channel suffix (_0000) before '${ending}' (nnU-Net v2 naming: CASE_0000${ending})`,
        });
      continue;
    }
    if (!byCase.has(m[1])) byCase.set(m[1], []);
    byCase.get(m[1])!.push(f);
  }
  const nChannels = typeof ds.channel_names === 'object' && ds.channel_names ? Object.keys(ds.channel_names).length : 1;
  const cases: CaseEntry[] = [];
  for (const [id, files] of [...byCase.entries()].sort()) {
    files.sort();
    if (files.length !== nChannels)
      problems.push({
        caseId: id,
        file: path.join(imgDir, files[0]),
        message: `has ${files.length} channel file(s), dataset.json declares ${nChannels}`,
      });
    const label = path.join(labDir, id + ending);
    const hasLabel = existsSync(label);
    if (!hasLabel) problems.push({ caseId: id, file: label, message: 'label missing (every case in imagesTr/ needs one in labelsTr/)' });
    cases.push({ id, images: [path.join(imgDir, files[0])], labels: hasLabel ? [label] : undefined });
  }
  for (const f of listFiles(labDir, /./)) {
    if (f.endsWith(ending) && !byCase.has(f.slice(0, -ending.length)))
      problems.push({ caseId: f.slice(0, -ending.length), file: path.join(labDir, f), message: 'label without an image in imagesTr/' });
  }
  if (typeof ds.numTraining === 'number' && ds.numTraining !== cases.length) {
    problems.push({
      file: path.join(root, 'dataset.json'),
      message: `numTraining is ${ds.numTraining} but imagesTr/ holds ${cases.length} cases`,
    });
  }
  return { kind: 'nnunet-v2', root, unit: 'volume', cases, labelNames: labelNamesOf(ds.labels, true), problems };
}

function btcv(root: string, base: string, problems: DataProblem[]): DatasetLayout {
  const imgDir = path.join(base, 'img');
  const labDir = path.join(base, 'label');
  const cases: CaseEntry[] = [];
  const seen = new Set<string>();
  for (const f of listFiles(imgDir, /^img\d+\.nii(\.gz)?$/i)) {
    const num = /^img(\d+)/i.exec(f)![1];
    seen.add(num);
    const label = [`label${num}.nii.gz`, `label${num}.nii`].map((l) => path.join(labDir, l)).find((l) => existsSync(l));
    if (!label) problems.push({ caseId: `img${num}`, file: path.join(labDir, `label${num}.nii.gz`), message: 'label missing' });
    cases.push({ id: `img${num}`, images: [path.join(imgDir, f)], labels: label ? [label] : undefined });
  }
  for (const f of listFiles(labDir, /^label\d+\.nii(\.gz)?$/i)) {
    const num = /^label(\d+)/i.exec(f)![1];
    if (!seen.has(num)) problems.push({ caseId: `img${num}`, file: path.join(labDir, f), message: 'label without an image in img/' });
  }
  return { kind: 'btcv', root, unit: 'volume', cases, labelNames: BTCV_LABELS, problems };
}

/** The 13 BTCV organs (Synapse multi-organ challenge). */
export const BTCV_LABELS: Record<number, string> = {
  0: 'background',
  1: 'spleen',
  2: 'right kidney',
  3: 'left kidney',
  4: 'gallbladder',
  5: 'esophagus',
  6: 'liver',
  7: 'stomach',
  8: 'aorta',
  9: 'inferior vena cava',
  10: 'portal and splenic vein',
  11: 'pancreas',
  12: 'right adrenal gland',
  13: 'left adrenal gland',
};

/** AbdomenCT-1K masks: liver, kidney, spleen, pancreas. */
export const ABDOMENCT1K_LABELS: Record<number, string> = { 0: 'background', 1: 'liver', 2: 'kidney', 3: 'spleen', 4: 'pancreas' };

function findAbdomenCt1kImages(root: string): string[] {
  const re = /^Case_\d{5}_0000\.nii(\.gz)?$/;
  const out: string[] = [];
  for (const d of ['', ...readdirSync(root).filter((f) => f !== 'Mask' && isDir(path.join(root, f)))]) {
    for (const f of listFiles(path.join(root, d), re)) out.push(path.join(root, d, f));
  }
  return out.sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
}

function abdomenCt1k(root: string, images: string[], problems: DataProblem[]): DatasetLayout {
  const maskDir = path.join(root, 'Mask');
  const hasMasks = isDir(maskDir);
  const cases: CaseEntry[] = [];
  const ids = new Set<string>();
  for (const img of images) {
    const id = path.basename(img).replace(/_0000\.nii(\.gz)?$/, '');
    ids.add(id);
    const label = [`${id}.nii.gz`, `${id}.nii`].map((l) => path.join(maskDir, l)).find((l) => existsSync(l));
    if (hasMasks && !label) problems.push({ caseId: id, file: path.join(maskDir, `${id}.nii.gz`), message: 'mask missing' });
    cases.push({ id, images: [img], labels: label ? [label] : undefined });
  }
  for (const f of listFiles(maskDir, NII))
    if (!ids.has(stripNii(f)))
      problems.push({ caseId: stripNii(f), file: path.join(maskDir, f), message: 'mask without an image (Case_NNNNN_0000.nii.gz)' });
  return { kind: 'abdomenct-1k', root, unit: 'volume', cases, labelNames: hasMasks ? ABDOMENCT1K_LABELS : undefined, problems };
}

/** Case of a slice file: the name without extension and trailing slice number. */
export function sliceCaseId(file: string): string {
  const stem = path.basename(file).replace(/\.[^.]+$/, '');
  const m = /^(.*?)[_\-. ]?(?:slice|s|z)?[_-]?(\d+)$/i.exec(stem);
  return m && m[1] !== '' ? m[1] : stem;
}

function groupSlices(dir: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const f of listFiles(dir, PNG)) {
    const id = sliceCaseId(f);
    if (!by.has(id)) by.set(id, []);
    by.get(id)!.push(f);
  }
  // natural order of the slice number
  for (const files of by.values()) files.sort((a, b) => sliceNumber(a) - sliceNumber(b) || a.localeCompare(b));
  return by;
}

function sliceNumber(f: string): number {
  const m = /(\d+)\.[^.]+$/.exec(f);
  return m ? Number(m[1]) : 0;
}

function sliceFolders(root: string, problems: DataProblem[]): DatasetLayout {
  const imgDir = path.join(root, 'images');
  const labDir = path.join(root, 'labels');
  const labels = new Set(listFiles(labDir, PNG));
  const cases: CaseEntry[] = [];
  for (const [id, files] of [...groupSlices(imgDir).entries()].sort()) {
    const labs: string[] = [];
    for (const f of files) {
      if (!labels.has(f)) problems.push({ caseId: id, file: path.join(labDir, f), message: `label slice missing for images/${f}` });
      labels.delete(f);
      labs.push(path.join(labDir, f));
    }
    cases.push({ id, images: files.map((f) => path.join(imgDir, f)), labels: labs });
  }
  for (const f of labels)
    problems.push({ caseId: sliceCaseId(f), file: path.join(labDir, f), message: 'label slice without an image in images/' });
  return { kind: 'slice-folders', root, unit: 'slices', cases, problems };
}

function unlabelled(root: string, problems: DataProblem[]): DatasetLayout {
  const vols: string[] = [];
  // Symlink problems are only reported for the kind of data found (a NIfTI walk, else the DICOM walk).
  const niiProblems: DataProblem[] = [];
  const walker = new DatasetWalker(root, niiProblems);
  const walk = (dir: string, depth: number, ancestors: string[]) => {
    const { dirs, files } = walker.entries(dir, ancestors);
    for (const p of files) if (NII.test(path.basename(p))) vols.push(p);
    if (depth < 2) for (const d of dirs) walk(d, depth + 1, [...ancestors, walker.real(d)]);
  };
  walk(root, 0, [walker.real(root)]);
  vols.sort();
  if (vols.length > 0) {
    problems.push(...niiProblems);
    return { kind: 'unlabelled', root, unit: 'volume', cases: vols.map((v) => ({ id: caseIdFromPath(root, v), images: [v] })), problems };
  }
  const series = findDicomSeries(root, problems);
  if (series.length > 0) return { kind: 'dicom', root, unit: 'volume', cases: series, problems };
  const slices = groupSlices(root);
  if (slices.size > 0) {
    return {
      kind: 'unlabelled',
      root,
      unit: 'slices',
      cases: [...slices.entries()].sort().map(([id, files]) => ({ id, images: files.map((f) => path.join(root, f)) })),
      problems,
    };
  }
  problems.push({
    file: root,
    message:
      'no images found: expected .nii/.nii.gz volumes, DICOM series folders or .png slices (or a dataset.json, img/+label/, images/+labels/)',
  });
  return { kind: 'unlabelled', root, unit: 'volume', cases: [], problems };
}

function caseIdFromPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return stripNii(rel).split(path.sep).join('/');
}

/** Files that are certainly not DICOM (skipped without opening them). */
const NOT_DICOM = /\.(png|jpe?g|nii|gz|json|txt|md|csv|xml|html?|pdf|zip|yaml|yml|py|sh)$/i;

/** A `.dcm` file, or a file whose bytes 128–131 are "DICM" (DICOM Part 10 files without an extension). */
export function isDicomFile(file: string): boolean {
  if (path.basename(file).toUpperCase() === 'DICOMDIR') return false; // the index of a CD/DVD export, not an image
  if (/\.dcm$/i.test(file)) return true;
  if (NOT_DICOM.test(file)) return false;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const b = Buffer.alloc(132);
    const n = readSync(fd, b, 0, 132, 0);
    return n === 132 && b.toString('latin1', 128, 132) === 'DICM';
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Folders holding DICOM files (the root and sub-folders up to three levels down), one case each. */
function findDicomSeries(root: string, problems: DataProblem[]): CaseEntry[] {
  const out: CaseEntry[] = [];
  const found: DataProblem[] = [];
  const walker = new DatasetWalker(root, found);
  const walk = (dir: string, depth: number, ancestors: string[]) => {
    const { dirs, files: all } = walker.entries(dir, ancestors);
    const files = all.filter((p) => isDicomFile(p));
    if (files.length > 0) {
      const rel = path.relative(root, dir);
      out.push({ id: rel === '' ? path.basename(root) : rel.split(path.sep).join('/'), images: files });
    }
    if (depth < 3) for (const d of dirs) walk(d, depth + 1, [...ancestors, walker.real(d)]);
  };
  walk(root, 0, [walker.real(root)]);
  if (out.length > 0) problems.push(...found);
  return out;
}
