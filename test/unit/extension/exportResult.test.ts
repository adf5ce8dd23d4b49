import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import {
  defaultExportFile,
  exportArgs,
  exportOutcome,
  onnxChoices,
  onnxSnippet,
  pythonSnippet,
} from '../../../src/extension/commands/exportResult';

test('Export Weights: the worker arguments and the default file beside the run', () => {
  assert.equal(defaultExportFile('/r/runs/m-1'), '/r/runs/m-1/export/m-1.safetensors');
  assert.deepEqual(exportArgs('/r/runs/m-1', '/o/e.safetensors'), [
    'export',
    '/r/runs/m-1',
    '--format',
    'safetensors',
    '--out',
    '/o/e.safetensors',
    '--json',
  ]);
});

test("Export Weights: the worker's result line, or its one error line (warnings skipped, the prefix dropped)", () => {
  assert.deepEqual(
    exportOutcome(0, 'x\n{"type":"export","file":"/o/e.safetensors","loader":"/o/load_in_pytorch.py","bytes":2000000}\n', ''),
    { ok: true, format: 'safetensors', file: '/o/e.safetensors', loader: '/o/load_in_pytorch.py', bytes: 2000000 },
  );
  assert.deepEqual(
    exportOutcome(
      0,
      '{"type":"export","format":"onnx","file":"/o/m.onnx","model":"finetune","input":"x","output":"logits","bytes":500}\n',
      '',
    ),
    { ok: true, format: 'onnx', file: '/o/m.onnx', model: 'finetune', bytes: 500 },
  );
  assert.deepEqual(
    exportOutcome(
      2,
      '',
      'warning: run m-1 is failed; exporting its checkpoint 8\nmedssl export: /r/m-1: no complete checkpoint (checkpoints/latest) to export\n',
    ),
    { ok: false, reason: '/r/m-1: no complete checkpoint (checkpoints/latest) to export' },
  );
  assert.equal(exportOutcome(0, 'not json', '').ok, false);
  assert.deepEqual(exportOutcome(1, '', ''), { ok: false, reason: 'exit 1' });
});

test('Export Weights: the Python lines put the loader folder on sys.path', () => {
  assert.equal(
    pythonSnippet('/o/x/load_in_pytorch.py'),
    'import sys; sys.path.insert(0, "/o/x")\nfrom load_in_pytorch import load\nencoder, projector, meta = load()\n',
  );
});

test('Export Weights is contributed: a command and a Runs view item entry', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[]; menus: Record<string, { command: string; when?: string }[]> };
  };
  assert.ok(pkg.contributes.commands.some((c) => c.command === 'medssl.exportWeights'));
  assert.ok(
    pkg.contributes.menus['view/item/context'].some((m) => m.command === 'medssl.exportWeights' && m.when?.includes('view == medssl.runs')),
  );
});

test('Export Weights, ONNX: the worker arguments, the default file, and the models a run folder offers (best first)', () => {
  assert.equal(defaultExportFile('/r/runs/m-1', 'onnx', 'finetune'), '/r/runs/m-1/export/m-1-finetune.onnx');
  assert.deepEqual(exportArgs('/r/runs/m-1', '/o/m.onnx', 'onnx', 'linear'), [
    'export',
    '/r/runs/m-1',
    '--format',
    'onnx',
    '--model',
    'linear',
    '--out',
    '/o/m.onnx',
    '--json',
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-exportchoices-'));
  try {
    assert.deepEqual(onnxChoices(dir), [], 'nothing to export');
    fs.mkdirSync(path.join(dir, 'checkpoints', 'latest'), { recursive: true });
    assert.deepEqual(onnxChoices(dir), ['encoder']);
    for (const k of ['linear', 'finetune']) {
      fs.mkdirSync(path.join(dir, 'models', k), { recursive: true });
      fs.writeFileSync(path.join(dir, 'models', k, 'model.json'), '{}');
    }
    assert.deepEqual(onnxChoices(dir), ['finetune', 'linear', 'encoder']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const py = onnxSnippet('/o/m.onnx', 'finetune');
  assert.match(py, /ort\.InferenceSession\("\/o\/m\.onnx"\)/);
  assert.match(py, /s\.run\(\["logits"\], \{"x": x\}\)/);
  assert.match(onnxSnippet('/o/e.onnx', 'encoder'), /\["features"\]/);
});
