import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../../src/cli/commands/run';
import { DataError } from '../../../src/core/data/errors';
import { SliceDataset } from '../../../src/core/data/dataset';
import { encodeNifti } from '../../../src/core/data/nifti';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-badrun-'));

test('loader: a label on another grid fails the case naming the label file', () => {
  const d = tmp();
  try {
    writePhantomMsd(d, { cases: 2, seed: 4, shape: [16, 16, 4], overwrite: true });
    const c = generatePhantomCase(1, { seed: 4, shape: [16, 16, 4] });
    fs.writeFileSync(
      path.join(d, 'labelsTr', 'phantom_001.nii.gz'),
      encodeNifti({ ...c.label, shape: [16, 16, 3], data: c.label.data.subarray(0, 16 * 16 * 3) }, { datatype: 'uint8' }),
    );
    const ds = SliceDataset.open(d, { intensity: { kind: 'abdomen' }, labels: true });
    assert.ok(ds.getSync(0).label);
    assert.throws(
      () => ds.getSync(4),
      (e: unknown) =>
        e instanceof DataError &&
        /case 'phantom_001'.*phantom_001\.nii\.gz: image grid 16×16×4 and label grid 16×16×3 differ/.test(e.message),
    );
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('medssl run on a dataset folder with broken cases: exit 2, every case and file named, no run folder (or one that says failed, never running)', async () => {
  const d = tmp();
  try {
    const data = path.join(d, 'data');
    writePhantomMsd(data, { cases: 4, seed: 4, shape: [16, 16, 4] });
    const bad = path.join(data, 'imagesTr', 'phantom_003.nii.gz');
    fs.writeFileSync(bad, fs.readFileSync(bad).subarray(0, 200)); // truncated gzip: the header is still readable
    fs.writeFileSync(path.join(data, 'imagesTr', 'phantom_002.nii.gz'), Buffer.from('<html>not found</html>'.padEnd(400)));
    const cfg = path.join(d, 'bad.medssl.yaml');
    fs.writeFileSync(
      cfg,
      `name: badfolder
backend: cpu
data: { source: folder, path: ${JSON.stringify(data)}, size: 16, heldOutFraction: 0.25 }
model: { arch: resnet18, widths: [4, 8, 16, 16], stem: small, projector: { outDim: 16 } }
ssl: { queueSize: 16, embeddingDim: 16, local: { enabled: false } }
pretrain: { epochs: 1, batchSize: 4, warmupEpochs: 0, workers: 1 }
evaluation: { linear: { enabled: false } }
`,
    );
    const err: string[] = [];
    const runs = path.join(d, 'runs');
    const code = await runCommand(
      { config: cfg, runsDir: runs, set: [], json: false },
      () => {},
      (s) => err.push(s),
    );
    assert.equal(code, 2, err.join('\n'));
    // Refused by the preflight before the start: every broken case at once, each naming case and file.
    assert.match(err.join('\n'), /data\.path: case 'phantom_002': imagesTr\/phantom_002\.nii\.gz: not a NIfTI file/);
    assert.match(err.join('\n'), /data\.path: case 'phantom_003': imagesTr\/phantom_003\.nii\.gz: truncated gzip/);
    for (const r of fs.existsSync(runs) ? fs.readdirSync(runs) : []) {
      const run = JSON.parse(fs.readFileSync(path.join(runs, r, 'run.json'), 'utf8'));
      assert.equal(run.status, 'failed');
      assert.match(run.error.message, /phantom_002/);
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
