import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { predictArgs, predictOutcome, savedModelsOf } from '../../../src/extension/commands/segmentResult';

test('Segment with…: the saved models of a run (fine-tuned first), from model.json alone', () => {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-seg-'));
  assert.deepEqual(savedModelsOf(run, 'r'), []);
  for (const [kind, dice] of [
    ['linear', 0.41],
    ['finetune', 0.73],
  ] as const) {
    fs.mkdirSync(path.join(run, 'models', kind), { recursive: true });
    fs.writeFileSync(
      path.join(run, 'models', kind, 'model.json'),
      JSON.stringify({ format: 'medssl-segmentation-model', kind, meanForegroundDice: dice, numClasses: 11 }),
    );
  }
  fs.mkdirSync(path.join(run, 'models', 'other'));
  assert.deepEqual(
    savedModelsOf(run, 'r').map((m) => [m.kind, m.meanForegroundDice, m.numClasses]),
    [
      ['finetune', 0.73, 11],
      ['linear', 0.41, 11],
    ],
  );
  // a half-written model folder (no model.json) is not offered
  fs.rmSync(path.join(run, 'models', 'linear', 'model.json'));
  assert.deepEqual(
    savedModelsOf(run, 'r').map((m) => m.kind),
    ['finetune'],
  );
});

test("Segment with…: the worker's arguments and its answer (the JSON object, or the one error line)", () => {
  assert.deepEqual(predictArgs('/r/m-1', 'finetune', '/d/ct.nii.gz'), [
    'predict',
    '/r/m-1',
    '/d/ct.nii.gz',
    '--model',
    'finetune',
    '--json',
  ]);
  assert.deepEqual(predictArgs('/r/m-1', 'linear', '/d', '/o').slice(-2), ['--out', '/o']);
  const ok = predictOutcome(
    0,
    JSON.stringify({
      outDir: '/d/predictions',
      overlays: { dir: 'overlays/predict' },
      cases: [{ output: '/d/predictions/ct_seg.nii.gz' }],
      slicesPerSecond: 12.5,
    }) + '\n',
    'ct: 40 slices\n',
  );
  assert.deepEqual(ok, {
    ok: true,
    outDir: '/d/predictions',
    overlays: path.join('/d/predictions', 'overlays/predict'),
    outputs: ['/d/predictions/ct_seg.nii.gz'],
    slicesPerSecond: 12.5,
  });
  assert.deepEqual(predictOutcome(2, '', 'medssl predict: /r/m-1: no saved segmentation model (a pretraining run); evaluate it first\n'), {
    ok: false,
    reason: '/r/m-1: no saved segmentation model (a pretraining run); evaluate it first',
  });
  assert.deepEqual(predictOutcome(1, '', ''), { ok: false, reason: 'exit 1' });
});

test('Segment with… is contributed: a command and an explorer context menu entry for .nii/.nii.gz files and folders', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
    contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> };
  };
  assert.ok(pkg.contributes.commands.some((c) => c.command === 'medssl.segmentWith' && c.title === 'Segment with…'));
  const entry = pkg.contributes.menus['explorer/context'].find((m) => m.command === 'medssl.segmentWith');
  assert.ok(entry?.when);
  const re = /resourceFilename =~ \/(.*)\/$/.exec(entry.when.split('||')[1].trim())![1];
  const matches = (name: string) => new RegExp(re).test(name);
  assert.deepEqual(['ct.nii', 'ct.nii.gz', 'ct.nrrd', 'ct.gz'].map(matches), [true, true, false, false]);
  assert.match(entry.when, /explorerResourceIsFolder/);
});
