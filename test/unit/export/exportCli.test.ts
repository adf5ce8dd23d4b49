// `medssl export` on a real tiny pretraining run (cpu backend, seconds): the file, its metadata, the
// loader beside it (run by python3 when torch is installed), and one-line exit-2 errors for bad input.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportCommand } from '../../../src/cli/commands/export';
import { runCommand } from '../../../src/cli/commands/run';
import { decodeSafetensors } from '../../../src/core/export/safetensors';
import { tinyRunYamlHead } from '../tinyRunYaml';
import { PYTHON, torchMissing } from './pythonTorch';

const YAML = `${tinyRunYamlHead('exporttiny', 4, '  whitening: { enabled: true, method: zca, groupSize: 8 }\n')}  local: { enabled: false }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 2, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  linear: { enabled: false }
  finetune: { enabled: false }
`;

let pretrained: Promise<{ root: string; dir: string }> | undefined;
function pretrainedRun() {
  pretrained ??= (async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-exportcli-'));
    const f = path.join(root, 'exporttiny.medssl.yaml');
    fs.writeFileSync(f, YAML);
    const lines: string[] = [];
    const errs: string[] = [];
    const code = await runCommand(
      { config: f, runsDir: path.join(root, 'runs'), set: [], json: false },
      (s) => lines.push(s),
      (s) => errs.push(s),
    );
    assert.equal(code, 0, `the pretraining failed: ${errs.join('\n')}`);
    return { root, dir: lines[0] };
  })();
  return pretrained;
}

after(async () => {
  if (pretrained) fs.rmSync((await pretrained).root, { recursive: true, force: true });
});

async function exportRun(args: { runDir: string; format?: string; model?: string; out?: string; json?: boolean }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await exportCommand(
    { format: 'safetensors', json: false, ...args },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
}

test('medssl export: torchvision-named safetensors with metadata, and load_in_pytorch.py beside it', { timeout: 300_000 }, async () => {
  const { dir } = await pretrainedRun();
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { id: string };
  const r = await exportRun({ runDir: dir });
  assert.equal(r.code, 0, r.err.join('\n'));
  const file = path.join(dir, 'export', `${run.id}.safetensors`);
  assert.deepEqual(r.out, [file, path.join(dir, 'export', 'load_in_pytorch.py')]);
  const st = decodeSafetensors(fs.readFileSync(file), file);
  // 4-8-16-16 ResNet-18, small stem, zca whitening in place of layer4.1.bn2.
  assert.deepEqual(st.tensors.get('conv1.weight')!.shape, [4, 1, 3, 3]);
  assert.deepEqual(st.tensors.get('layer2.0.downsample.0.weight')!.shape, [8, 4, 1, 1]);
  assert.equal(st.tensors.get('layer2.0.downsample.1.num_batches_tracked')!.dtype, 'I64');
  assert.deepEqual(st.tensors.get('layer4.1.bn2.weight')!.shape, [16, 16, 1, 1]);
  assert.deepEqual(st.tensors.get('layer4.1.bn2.bias')!.shape, [16]);
  assert.equal(st.tensors.has('layer4.1.bn2.running_mean'), false);
  assert.deepEqual(st.tensors.get('projector.fc2.weight')!.shape, [16, 16]);
  assert.ok(![...st.tensors.keys()].some((k) => /gamma|beta|shortcut|whiten|localProjector/.test(k)), 'only torchvision names');
  const m = st.metadata;
  assert.equal(m.format, 'medssl-torchvision-resnet');
  assert.equal(m.run_id, run.id);
  assert.equal(m.input_channels, '1');
  assert.match(m.code_version, /\d+\.\d+\.\d+/);
  assert.equal((JSON.parse(m.config) as { name: string }).name, 'exporttiny');
  assert.deepEqual(JSON.parse(m.normalisation), {
    window: 'zscore',
    formula: '(HU + 1024 - 884.5) / 983.7',
    offset: 1024,
    mean: 884.5,
    std: 983.7,
  });
  const arch = JSON.parse(m.architecture) as { torchvision: string | null; whitening_conv: string; stem: string };
  assert.deepEqual([arch.torchvision, arch.whitening_conv, arch.stem], [null, 'layer4.1.bn2', 'small']);

  if (!torchMissing()) {
    const py = spawnSync(PYTHON, ['load_in_pytorch.py'], { cwd: path.dirname(file), encoding: 'utf8', timeout: 120_000 });
    assert.equal(py.status, 0, py.stderr);
    assert.match(py.stdout, new RegExp(`run ${run.id}, custom ResNet-18, .* features 16, input channels 1`));
  }
});

test('medssl export --out FILE --json: one JSON line; the folder is created', async () => {
  const { root, dir } = await pretrainedRun();
  const target = path.join(root, 'elsewhere', 'enc.safetensors');
  const r = await exportRun({ runDir: dir, out: target, json: true });
  assert.equal(r.code, 0, r.err.join('\n'));
  const line = JSON.parse(r.out[0]) as { type: string; file: string; loader: string; bytes: number };
  assert.deepEqual([line.type, line.file, line.loader], ['export', target, path.join(root, 'elsewhere', 'load_in_pytorch.py')]);
  assert.equal(fs.statSync(target).size, line.bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(target)).sort(), ['enc.safetensors', 'load_in_pytorch.py'], 'no temporary files left');
});

test('medssl export: bad input → exit 2 and one line naming it', async () => {
  const { root, dir } = await pretrainedRun();
  const cases: Array<[Parameters<typeof exportRun>[0], RegExp]> = [
    [{ runDir: path.join(root, 'nope') }, /nope: no such folder/],
    [{ runDir: root }, /not a run folder|run\.json/],
    [{ runDir: dir, format: 'tflite' }, /--format takes safetensors or onnx, got 'tflite'/],
    [{ runDir: dir, model: 'encoder' }, /--model is for --format onnx/],
  ];
  const blocker = path.join(root, 'a-file');
  fs.writeFileSync(blocker, 'x');
  cases.push([
    { runDir: dir, out: path.join(blocker, 'enc.safetensors') },
    /cannot write .*a-file\/enc\.safetensors: a file or folder is in the way/,
  ]);
  const noCk = path.join(root, 'nock');
  fs.cpSync(dir, noCk, { recursive: true });
  fs.rmSync(path.join(noCk, 'checkpoints'), { recursive: true });
  cases.push([{ runDir: noCk }, /no complete checkpoint/]);
  for (const [args, re] of cases) {
    const r = await exportRun(args);
    assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.err.join('\n')}`);
    assert.equal(r.err.filter((l) => !l.startsWith('warning:')).length, 1, r.err.join('\n'));
    assert.match(r.err[r.err.length - 1], re);
    assert.doesNotMatch(r.err.join('\n'), /\n\s+at /, 'no stack trace');
  }
});

test('dist/cli.js export: the built worker picks its own backend (a fresh process has none set up)', { timeout: 120_000 }, async () => {
  const cli = path.resolve(__dirname, '../../../../dist/cli.js');
  const { root, dir } = await pretrainedRun();
  const target = path.join(root, 'dist-export', 'e.safetensors');
  const r = spawnSync(process.execPath, [cli, 'export', dir, '--out', target, '--json'], { encoding: 'utf8', timeout: 100_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout.trim().split('\n').pop()!) as { file: string }).file, target);
  assert.ok(fs.statSync(target).size > 0);
});
