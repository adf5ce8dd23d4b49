import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, loadConfig } from '../../../src/core/config/load';
import {
  diagnosticsFileBytes,
  diskSpaceProblem,
  estimateFootprint,
  labelNeeds,
  preflightData,
  runsDirProblem,
  sizeProblems,
} from '../../../src/core/preflight';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';

test('sizeProblems: below the encoder stride or above 4096 is named as data.size; 16 with the small stem and 224 with imagenet are fine', () => {
  const c = defaultConfig('p');
  c.model.stem = 'small';
  c.data.size = 16;
  assert.deepEqual(sizeProblems(c), []);
  c.data.size = 3;
  assert.match(sizeProblems(c)[0], /^data\.size: 3 is smaller than the encoder's downsampling \(8× with model\.stem 'small'\)/);
  c.model.stem = 'imagenet';
  c.data.size = 16;
  assert.match(sizeProblems(c)[0], /32× with model\.stem 'imagenet'/);
  c.data.size = 224;
  assert.deepEqual(sizeProblems(c), []);
  c.data.size = 100000;
  assert.match(sizeProblems(c)[0], /^data\.size: 100000 is larger than 4096/);
});

test('labelNeeds lists the settings that need label maps', () => {
  const c = defaultConfig('p');
  c.evaluation.linear.enabled = true;
  c.evaluation.finetune.enabled = false;
  c.data.foregroundOnly = true;
  assert.deepEqual(labelNeeds(c), ['evaluation.linear.enabled', 'data.foregroundOnly']);
});

test('estimateFootprint grows with the encoder and counts the kept checkpoints plus one in progress', () => {
  const small = defaultConfig('p');
  small.model.arch = 'resnet18';
  small.model.widths = [4, 8, 16, 16];
  small.ssl.queueSize = 16;
  const big = defaultConfig('p');
  big.model.arch = 'resnet18';
  big.model.widths = [64, 128, 256, 512];
  big.ssl.queueSize = 16;
  const a = estimateFootprint(small);
  const b = estimateFootprint(big);
  assert.ok(b.checkpointBytes > 100 * a.checkpointBytes, `${b.checkpointBytes} vs ${a.checkpointBytes}`);
  assert.ok(b.totalBytes >= 3 * b.checkpointBytes);
  // ResNet-18 at full width: ~11 M parameters × 3 copies (query, key, momentum) × 4 bytes ≈ 130+ MB per checkpoint
  assert.ok(b.checkpointBytes > 130e6 && b.checkpointBytes < 400e6, String(b.checkpointBytes));
  // the MoCo queue counts too (65536 × 128 floats = 32 MiB)
  const queued = defaultConfig('p');
  queued.model.arch = 'resnet18';
  queued.model.widths = [4, 8, 16, 16];
  queued.ssl.queueSize = 65536;
  queued.ssl.embeddingDim = 128;
  assert.ok(estimateFootprint(queued).checkpointBytes - a.checkpointBytes >= 4 * (65536 * 128 - 16 * small.ssl.embeddingDim));
});

test('the diagnostics estimate matches the recorded per-layer fixture files and grows with depth and epochs', async () => {
  // test/fixtures/runs/seeds: the smoke ResNet-18 (8-16-32-64), 3 epochs, diagnostics every epoch: 0, 10, 20, 30
  const dir = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'runs', 'seeds');
  const run = fs.readdirSync(dir).find((d) => d.endsWith('-seeds-method-seed0'))!;
  const { config: c } = await loadConfig(path.join(dir, run, 'config.yaml'));
  const files = fs.readdirSync(path.join(dir, run, 'diagnostics')).map((f) => fs.statSync(path.join(dir, run, 'diagnostics', f)).size);
  const each = diagnosticsFileBytes(c);
  for (const size of files) assert.ok(size <= each && each < 1.5 * size, `estimate ${each} B per file, recorded ${size} B`);
  const f = estimateFootprint(c);
  const recorded = files.reduce((a, v) => a + v, 0);
  assert.ok(f.diagnosticsBytes >= recorded && f.diagnosticsBytes < 2 * recorded, `${f.diagnosticsBytes} vs ${recorded} recorded`);
  // a full-width ResNet-50 over 200 epochs, diagnostics every epoch: tens of MB, no longer hidden in a flat 8 MB
  const big = defaultConfig('p');
  big.model.arch = 'resnet50';
  big.pretrain.epochs = 200;
  big.diagnostics.everyEpochs = 1;
  assert.ok(estimateFootprint(big).diagnosticsBytes > 50 * 1024 * 1024, String(estimateFootprint(big).diagnosticsBytes));
});

test('diskSpaceProblem: an impossible need names the folder and both amounts; a small one passes; runsDirProblem names a file in the way', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-preflight-'));
  try {
    const runs = path.join(d, 'not-yet', 'runs');
    assert.equal(diskSpaceProblem(runs, 1024), null);
    assert.match(
      diskSpaceProblem(runs, 1e18) ?? '',
      new RegExp(`^disk full: ${runs.replace(/[/.-]/g, '\\$&')} has \\d+ MB free, the run needs ~\\d+ MB`),
    );
    assert.equal(runsDirProblem(runs), null);
    fs.writeFileSync(path.join(d, 'f'), '');
    assert.match(runsDirProblem(path.join(d, 'f')) ?? '', /--runs-dir .*\/f: is a file, not a folder/);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('preflightData: a clean labelled folder passes; a missing folder and the phantom without folder are handled', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-preflight-'));
  try {
    writePhantomMsd(path.join(d, 'data'), { cases: 2, seed: 1, shape: [16, 16, 4] });
    const c = defaultConfig('p');
    c.model.stem = 'small';
    c.data.size = 16;
    c.data.source = 'folder';
    c.data.path = path.join(d, 'data');
    const ok = await preflightData(c);
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.report?.caseCount, 2);
    c.data.path = path.join(d, 'nope');
    assert.match((await preflightData(c)).problems.join('\n'), /data\.path: .*nope: does not exist/);
    c.data.source = 'phantom';
    assert.deepEqual((await preflightData(c)).problems, []);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
