import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { inspectCommand } from '../../../src/cli/commands/inspect';
import { runCommand } from '../../../src/cli/commands/run';
import { readDicomFile } from '../../../src/core/data/dicom';
import { encodeNifti } from '../../../src/core/data/nifti';
import type { Volume } from '../../../src/core/data/volume';
import { debianFile } from './debianFiles';
import { ctSlice } from './dicomFixtures';

// What pydicom 2.3 (Debian python3-pydicom) reads from CT_small.dcm's identifying fields:
//   PatientName 'CompressedSamples^CT1', PatientID '1CT1', StudyID '1CT1', InstitutionName 'JFK IMAGING CENTER',
//   StationName 'CT01_OC0', StudyDate '20040119', UIDs '1.3.6.1.4.1.5962.…'; BirthDate and AccessionNumber empty.
const IDENTIFYING = ['CompressedSamples', '1CT1', 'JFK IMAGING', 'IMAGING CENTER', 'CT01_OC0', '20040119', '1.3.6.1.4.1.5962'];

/** Every file under dir, as latin1 text (binary files included: a copied string would show up in them too). */
function scan(dir: string, found: string[]): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += scan(p, found);
    else {
      n++;
      const text = fs.readFileSync(p).toString('latin1');
      for (const w of IDENTIFYING) if (text.includes(w) || e.name.includes(w)) found.push(`${path.relative(dir, p)}: ${w}`);
    }
  }
  return n;
}

/** NIfTI-1 with the DICOM's patient name in descrip and its institution in aux_file. */
function niftiWithIdentifyingText(v: Volume): Uint8Array {
  const raw = Buffer.from(gunzipSync(encodeNifti(v, { datatype: 'int16' })));
  raw.write('CompressedSamples^CT1 1CT1 20040119'.padEnd(80, '\0'), 148, 'latin1');
  raw.write('JFK IMAGING CENTER', 228, 'latin1');
  return gzipSync(raw);
}

/**
 * A pretraining run (2 steps) on a dataset folder through the CLI's run command; then neither the run
 * folder nor anything printed (`outs` collects the command's output) holds an identifying field.
 */
async function pretrainAndScan(d: string, name: string, dataset: string, outs: string[]): Promise<void> {
  const cfg = path.join(d, 'priv.medssl.yaml');
  fs.writeFileSync(
    cfg,
    `name: ${name}
seed: 1
backend: cpu
data: { source: folder, path: ${JSON.stringify(dataset)}, size: 16, heldOutFraction: 0.25 }
model: { arch: resnet18, widths: [4, 8, 16, 16], stem: small, projector: { outDim: 16 } }
ssl: { queueSize: 16, embeddingDim: 16, local: { enabled: true, stage: 3, grid: 2, projectorDim: 16 } }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 1, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 3 }
evaluation: { linear: { enabled: false } }
`,
  );
  const runs = path.join(d, 'runs');
  const code = await runCommand(
    { config: cfg, runsDir: runs, set: [], json: true },
    (x) => outs.push(x),
    (x) => outs.push(x),
  );
  assert.equal(code, 0, outs.join('\n'));
  const [runDir] = fs.readdirSync(runs).map((r) => path.join(runs, r));
  const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.equal(run.status, 'completed');
  assert.match(fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8'), /9 training slices \(3 cases\)/);
  const found: string[] = [];
  const files = scan(runDir, found);
  assert.ok(files >= 5, `${files} files in the run folder`);
  for (const w of IDENTIFYING) if (outs.join('\n').includes(w)) found.push(`output: ${w}`);
  assert.deepEqual(found, []);
}

test('privacy: inspect output and a pretraining run folder made from the pydicom CT contain no identifying field', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-privacy-'));
  try {
    const dcm = debianFile('ctSmall');
    assert.ok(fs.readFileSync(dcm).toString('latin1').includes('CompressedSamples^CT1'), 'the test file carries the patient name');
    // The DICOM itself, inspected.
    const dicomDir = path.join(d, 'dicom');
    fs.mkdirSync(dicomDir);
    fs.copyFileSync(dcm, path.join(dicomDir, 'CT_small.dcm'));
    const outs: string[] = [];
    await inspectCommand(
      { path: dicomDir, json: true },
      (s) => outs.push(s),
      (s) => outs.push(s),
    );
    // NIfTI volumes made from its HU pixels (3 slices each, shifted copies), with its identifying text in the headers.
    const s = await readDicomFile(dcm);
    assert.equal(s.data[64 + 128 * 64], 904);
    const ct = path.join(d, 'ct');
    fs.mkdirSync(ct);
    for (let c = 0; c < 4; c++) {
      const data = new Float32Array(128 * 128 * 3);
      for (let k = 0; k < 3; k++) for (let i = 0; i < 128 * 128; i++) data[i + 128 * 128 * k] = s.data[(i + 7 * (c * 3 + k)) % (128 * 128)];
      const sp = s.pixelSpacing[0];
      const vol: Volume = {
        data,
        shape: [128, 128, 3],
        spacing: [sp, sp, 5],
        affine: [
          [-sp, 0, 0, 158.1],
          [0, -sp, 0, 179.0],
          [0, 0, 5, -75.7],
          [0, 0, 0, 1],
        ],
      };
      fs.writeFileSync(path.join(ct, `case_${c}.nii.gz`), niftiWithIdentifyingText(vol));
    }
    assert.ok(
      gunzipSync(fs.readFileSync(path.join(ct, 'case_0.nii.gz')))
        .toString('latin1')
        .includes('CompressedSamples^CT1'),
      'the NIfTI header carries the patient name',
    );
    await inspectCommand(
      { path: ct, json: true },
      (x) => outs.push(x),
      (x) => outs.push(x),
    );
    const inspected = JSON.parse(outs[outs.length - 1]);
    assert.equal(inspected.caseCount, 4);
    assert.deepEqual(inspected.summary.intensityMin, -896);
    await pretrainAndScan(d, 'privacy', ct, outs);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('privacy: a DICOM series folder layout (copies of the pydicom CT, patient name in every file) — inspect output and a pretraining run folder contain no identifying field', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-privacy-dicom-'));
  try {
    // Four series (one per folder = one case), three slices each, 5 mm apart; case ids come from the folder names.
    const root = path.join(d, 'dicom_ct');
    for (let c = 0; c < 4; c++) {
      const dir = path.join(root, `series_${c}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let k = 0; k < 3; k++) fs.writeFileSync(path.join(dir, `IM${k}.dcm`), ctSlice({ z: -75.7 + 5 * k, intercept: -1024 + 7 * c }));
    }
    assert.ok(
      fs
        .readFileSync(path.join(root, 'series_0', 'IM0.dcm'))
        .toString('latin1')
        .includes('CompressedSamples^CT1'),
      'the copies carry the patient name',
    );
    const outs: string[] = [];
    assert.equal(
      await inspectCommand(
        { path: root, json: false },
        (x) => outs.push(x),
        (x) => outs.push(x),
      ),
      0,
      outs.join('\n'),
    );
    await inspectCommand(
      { path: root, json: true },
      (x) => outs.push(x),
      (x) => outs.push(x),
    );
    const inspected = JSON.parse(outs[outs.length - 1]);
    assert.equal(inspected.layout, 'dicom');
    assert.equal(inspected.caseCount, 4);
    assert.deepEqual([inspected.summary.intensityMin, inspected.summary.intensityMax], [-896, 1167 + 21]);
    await pretrainAndScan(d, 'privacy-dicom', root, outs);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
