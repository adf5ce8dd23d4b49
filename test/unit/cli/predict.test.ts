import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { predictCommand, type PredictArgs } from '../../../src/cli/commands/predict';
import { runCommand } from '../../../src/cli/commands/run';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import type { Volume } from '../../../src/core/data/volume';
import { tinyRunYamlHead } from '../tinyRunYaml';

// Pretraining (1 epoch) then fine-tuning in the same run: the run folder holds models/finetune/.
const YAML = `${tinyRunYamlHead('predicttiny', 5)}  local: { enabled: false }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 1, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  linear: { enabled: false }
  finetune: { enabled: true, epochs: 1, batchSize: 4, init: pretrained }
  overlaySlices: 0
`;

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-predict-'));

interface Trained {
  root: string;
  dir: string;
  metrics: { finetune: { heldOutCases: string[]; summary: unknown; cases: { caseId: string; perClass: unknown }[] } };
  /** The held-out phantom cases as NIfTI image and label files (the phantom's own grid and affine). */
  images: string;
  labels: string;
}

let trained: Promise<Trained> | undefined;
function trainedRun(): Promise<Trained> {
  trained ??= (async () => {
    const root = tmp();
    const f = path.join(root, 'predicttiny.medssl.yaml');
    fs.writeFileSync(f, YAML);
    const lines: string[] = [];
    const code = await runCommand(
      { config: f, runsDir: path.join(root, 'runs'), set: [], json: false },
      (s) => lines.push(s),
      () => {},
    );
    assert.equal(code, 0, 'the tiny run failed');
    const dir = lines[0];
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Trained['metrics'];
    const images = path.join(root, 'heldout', 'images');
    const labels = path.join(root, 'heldout', 'labels');
    fs.mkdirSync(images, { recursive: true });
    fs.mkdirSync(labels, { recursive: true });
    // as data.ts makes them: grid max(64, size) in-plane, phantom.slices deep, phantom seed
    for (const id of metrics.finetune.heldOutCases) {
      const pc = generatePhantomCase(Number(id.replace('phantom_', '')), { seed: 1, shape: [64, 64, 4] });
      fs.writeFileSync(path.join(images, `${id}.nii.gz`), encodeNifti(pc.image, { datatype: 'float32' }));
      fs.writeFileSync(path.join(labels, `${id}.nii.gz`), encodeNifti(pc.label, { datatype: 'uint8' }));
    }
    return { root, dir, metrics, images, labels };
  })();
  return trained;
}

async function predict(
  a: Partial<PredictArgs> & { runDir: string; input: string },
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await predictCommand(
    { probabilities: false, batch: 3, overlaySlices: 2, json: true, ...a },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
}

/** A volume of zeros, 8×8×4 voxels of 1 mm, identity affine: the raw material of the bad-input files. */
const blank8x8x4 = (): Volume => ({
  data: new Float32Array(8 * 8 * 4),
  shape: [8, 8, 4],
  spacing: [1, 1, 1],
  affine: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
});

test('medssl predict --labels on the held-out phantom cases reports the Dice of metrics.json (model grid), writes label maps and overlays', async () => {
  const t = await trainedRun();
  const outDir = path.join(t.root, 'pred');
  const r = await predict({ runDir: t.dir, input: t.images, labels: t.labels, out: outDir });
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.equal(r.out.length, 1, 'one JSON object');
  const j = JSON.parse(r.out[0]);
  assert.equal(j.model.kind, 'finetune');
  assert.equal(j.cases.length, t.metrics.finetune.heldOutCases.length);
  // the evaluation's measure, number for number: same slices, same preprocessing, same argmax
  assert.deepEqual(j.dice.modelGrid, t.metrics.finetune.summary);
  for (const c of t.metrics.finetune.cases) {
    const p = j.cases.find((x: { name: string }) => x.name === c.caseId);
    assert.deepEqual(p.dice.modelGrid.perClass, c.perClass, c.caseId);
  }
  // on the input grid (64² here, the model works at 16²) Dice is measured too, with the same classes
  assert.equal(j.dice.native.perClass.length, j.dice.modelGrid.perClass.length);
  assert.ok(j.slicesPerSecond > 0 && j.slices === 4 * j.cases.length);
  for (const c of j.cases) assert.ok(fs.existsSync(c.output) && c.output.endsWith('_seg.nii.gz'));
  const idx = JSON.parse(fs.readFileSync(path.join(outDir, j.overlays.dir, 'index.json'), 'utf8'));
  assert.equal(idx.groundTruth, true);
  assert.equal(idx.width, 16);
});

test('medssl predict never overwrites: a second run writes name-1; without labels the overlays say groundTruth false; text mode prints slices/s', async () => {
  const t = await trainedRun();
  const outDir = path.join(t.root, 'again');
  const file = path.join(t.images, fs.readdirSync(t.images)[0]);
  const a = await predict({ runDir: t.dir, input: file, out: outDir });
  assert.equal(a.code, 0, a.err.join('\n'));
  const first = JSON.parse(a.out[0]).cases[0].output as string;
  const before = fs.readFileSync(first);
  const b = await predict({ runDir: t.dir, input: file, out: outDir, json: false, probabilities: true });
  assert.equal(b.code, 0, b.err.join('\n'));
  assert.match(b.out.join('\n'), /_seg-1\.nii\.gz/);
  assert.match(b.out.at(-1)!, /slices in .* s \(.* slices\/s, backend cpu/);
  assert.deepEqual(fs.readFileSync(first), before, 'the first output is untouched');
  const names = fs.readdirSync(outDir).sort();
  assert.deepEqual(
    names.filter((n) => !n.startsWith('overlays')),
    [path.basename(first), path.basename(first).replace('_seg', '_prob'), path.basename(first).replace('_seg.', '_seg-1.')].sort(),
    'no temporary file left',
  );
  assert.deepEqual(fs.readdirSync(path.join(outDir, 'overlays')).sort(), ['predict', 'predict-1']);
  const idx = JSON.parse(fs.readFileSync(path.join(outDir, 'overlays', 'predict', 'index.json'), 'utf8'));
  assert.equal(idx.groundTruth, false);
  assert.ok(idx.slices.every((s: { dice: unknown[] }) => s.dice.every((d) => d === null)));
});

test('medssl predict bad input: exit 2 and one line each', async () => {
  const t = await trainedRun();
  const file = path.join(t.images, fs.readdirSync(t.images)[0]);
  const bad = path.join(t.root, 'bad');
  fs.mkdirSync(bad);
  const expectBad = async (a: Partial<PredictArgs> & { runDir: string; input: string }, re: RegExp) => {
    const r = await predict({ out: path.join(bad, 'out'), ...a });
    assert.equal(r.code, 2, `${re}: ${r.err.join('\n')}`);
    assert.equal(r.err.length, 1, `one line: ${r.err.join(' | ')}`);
    assert.match(r.err[0], re);
    assert.doesNotMatch(r.err[0], /\n\s+at /);
  };
  // a pretraining run without a saved model
  const bare = path.join(bad, 'pretrain-only');
  fs.cpSync(t.dir, bare, { recursive: true });
  fs.rmSync(path.join(bare, 'models'), { recursive: true });
  await expectBad(
    { runDir: bare, input: file },
    /no saved segmentation model .*evaluate it first: medssl evaluate .*pretrain-only --mode finetune/,
  );
  await expectBad({ runDir: t.dir, input: file, model: 'linear' }, /no linear model; evaluate it first: medssl evaluate .* --mode linear/);
  await expectBad({ runDir: path.join(bad, 'nope'), input: file }, /nope: no such folder/);
  // a 4-D volume (two channels)
  const four = path.join(bad, 'two-channels.nii');
  const v = encodeNifti(blank8x8x4(), { gzip: false });
  const dv = new DataView(v.buffer, v.byteOffset);
  dv.setInt16(40, 4, true);
  dv.setInt16(42 + 2 * 2, 2, true); // dim[3] = 2 slices → 8×8×2×2
  dv.setInt16(42 + 3 * 2, 2, true); // dim[4] = 2 channels
  fs.writeFileSync(four, v);
  await expectBad(
    { runDir: t.dir, input: four },
    /two-channels\.nii: 2 channels \(4-D, shape \[8, 8, 2, 2\]\); the run's model takes 1 channel/,
  );
  // truncated files (gzip cut short; raw NIfTI cut short)
  const gz = fs.readFileSync(file);
  fs.writeFileSync(path.join(bad, 'cut.nii.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  await expectBad({ runDir: t.dir, input: path.join(bad, 'cut.nii.gz') }, /cut\.nii\.gz: truncated gzip/);
  fs.writeFileSync(path.join(bad, 'short.nii'), v.subarray(0, 600));
  await expectBad({ runDir: t.dir, input: path.join(bad, 'short.nii') }, /short\.nii: (truncated|.*channels)/);
  fs.writeFileSync(path.join(bad, 'garbage.nii'), 'not a nifti file at all');
  await expectBad({ runDir: t.dir, input: path.join(bad, 'garbage.nii') }, /garbage\.nii: not a NIfTI file/);
  // an output folder that cannot be written (under a file)
  fs.writeFileSync(path.join(bad, 'afile'), 'x');
  await expectBad({ runDir: t.dir, input: file, out: path.join(bad, 'afile', 'sub') }, /afile.sub: the output folder cannot be written/);
  // labels on another grid
  const other = encodeNifti(blank8x8x4(), { datatype: 'uint8' });
  fs.writeFileSync(path.join(bad, 'otherlabel.nii.gz'), other);
  await expectBad(
    { runDir: t.dir, input: file, labels: path.join(bad, 'otherlabel.nii.gz') },
    /otherlabel\.nii\.gz: label grid 8×8×4 differs/,
  );
  await expectBad({ runDir: t.dir, input: path.join(bad, 'missing.nii.gz') }, /missing\.nii\.gz: no such file or folder/);
});
