/** Layouts declared by a dataset.json: the Medical Segmentation Decathlon and nnU-Net v2. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DataProblem } from '../errors';
import { listFiles, NII, stripNii } from './files';
import type { CaseEntry, DatasetLayout } from './types';

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

export function msd(root: string, ds: Record<string, unknown>, problems: DataProblem[]): DatasetLayout {
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

export function nnunet(root: string, ds: Record<string, unknown>, problems: DataProblem[]): DatasetLayout {
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
