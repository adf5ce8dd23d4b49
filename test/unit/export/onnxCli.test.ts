// `medssl export --format onnx` on a real tiny run through the CLI (pretraining without evaluations,
// then `medssl evaluate` fine-tune and linear, each its own run folder; cpu backend, seconds): the file, its metadata and names, onnxruntime's logits /
// features against our model loaded from the same run folder, and one-line exit-2 errors.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluateCommand } from '../../../src/cli/commands/evaluate';
import { exportCommand, type ExportArgs } from '../../../src/cli/commands/export';
import { runCommand } from '../../../src/cli/commands/run';
import { loadConfig } from '../../../src/core/config';
import { loadSegmentationModel } from '../../../src/core/eval/savedModel';
import { loadForExport } from '../../../src/core/export/exportRun';
import { modelProto } from '../../../src/core/export/onnx/schema';
import { latestCheckpoint } from '../../../src/core/train/checkpoint';
import { Rng } from '../../../src/core/util/rng';
import { tinyRunYamlHead } from '../tinyRunYaml';
import { maxRelError, nhwcToNchw, ortMissing, runOnnx } from './onnxRuntime';

const YAML = `${tinyRunYamlHead('onnxtiny', 5, '  whitening: { enabled: true, method: zca, groupSize: 8 }\n')}  local: { enabled: false }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 2, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  overlaySlices: 0
  linear: { enabled: false, epochs: 1, batchSize: 4, lr: 0.05, diceWeight: 1 }
  finetune: { enabled: false, decoder: deeplabv3plus, init: pretrained, epochs: 1, batchSize: 4, lr: 0.01, labelFraction: 1, diceWeight: 1 }
`;

const skip = ortMissing() ?? false;

interface Runs {
  root: string;
  pretrain: string;
  finetune: string;
  linear: string;
}

let made: Promise<Runs> | undefined;
function runs(): Promise<Runs> {
  made ??= (async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-onnxcli-'));
    const f = path.join(root, 'onnxtiny.medssl.yaml');
    fs.writeFileSync(f, YAML);
    const runsDir = path.join(root, 'runs');
    const first = async (p: Promise<number>, lines: string[], errs: string[]) => {
      assert.equal(await p, 0, errs.join('\n'));
      return lines[0];
    };
    const o: string[][] = [[], [], []];
    const e: string[][] = [[], [], []];
    const sink = (a: string[]) => (s: string) => a.push(s);
    const pretrain = await first(runCommand({ config: f, runsDir, set: [], json: false }, sink(o[0]), sink(e[0])), o[0], e[0]);
    const finetune = await first(
      evaluateCommand({ runDir: pretrain, mode: 'finetune', runsDir, set: [], json: false }, sink(o[1]), sink(e[1])),
      o[1],
      e[1],
    );
    const linear = await first(
      evaluateCommand({ runDir: pretrain, mode: 'linear', runsDir, set: [], json: false }, sink(o[2]), sink(e[2])),
      o[2],
      e[2],
    );
    return { root, pretrain, finetune, linear };
  })();
  return made;
}

after(async () => {
  if (made) fs.rmSync((await made).root, { recursive: true, force: true });
});

async function exportRun(args: Partial<ExportArgs> & { runDir: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await exportCommand(
    { format: 'onnx', json: true, ...args },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
}

interface Decoded {
  irVersion: number;
  opsetImport: Array<{ domain: string; version: number }>;
  metadataProps: Array<{ key: string; value: string }>;
  graph: { input: Array<{ name: string }>; output: Array<{ name: string }> };
}

function decode(file: string): { meta: Record<string, string>; d: Decoded } {
  const T = modelProto();
  const d = T.toObject(T.decode(fs.readFileSync(file)), { longs: Number, defaults: true }) as Decoded;
  return { d, meta: Object.fromEntries(d.metadataProps.map((p) => [p.key, p.value])) };
}

function slices(n: number, S: number): Float32Array {
  return new Rng(21).normalArray(n * S * S);
}

for (const kind of ['finetune', 'linear'] as const) {
  test(
    `medssl export --format onnx: the ${kind} evaluation's segmentation model; onnxruntime's logits equal ours`,
    { skip, timeout: 600_000 },
    async () => {
      const r = await runs();
      const dir = r[kind];
      const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { id: string };
      const e = await exportRun({ runDir: dir });
      assert.equal(e.code, 0, e.err.join('\n'));
      const line = JSON.parse(e.out[0]) as { type: string; format: string; file: string; model: string; input: string; output: string };
      const file = path.join(dir, 'export', `${run.id}-${kind}.onnx`);
      assert.deepEqual(
        [line.type, line.format, line.file, line.model, line.input, line.output],
        ['export', 'onnx', file, kind, 'x', 'logits'],
      );
      const { d, meta } = decode(file);
      assert.equal(d.irVersion, 8);
      assert.deepEqual(d.opsetImport, [{ domain: '', version: 17 }]);
      assert.deepEqual([d.graph.input.map((i) => i.name), d.graph.output.map((o) => o.name)], [['x'], ['logits']]);
      assert.equal(meta.run_id, run.id);
      assert.equal(meta.model, kind);
      assert.equal(meta.head, kind === 'finetune' ? 'deeplabv3plus' : 'linear');
      assert.equal((JSON.parse(meta.class_names) as string[]).length, Number(meta.num_classes));
      assert.equal(JSON.parse(meta.class_names)[0], 'background');
      assert.match(meta.normalisation, /formula/);
      assert.match(meta.code_version, /\d+\.\d+\.\d+/);

      const config = (await loadConfig(path.join(dir, 'config.yaml'))).config;
      const model = await loadSegmentationModel(config, dir, kind);
      try {
        const S = model.meta.sliceSize;
        const K = model.meta.numClasses;
        const data = slices(3, S);
        const logits = model.logits(tf.tensor4d(data, [3, S, S, 1]));
        const ours = nhwcToNchw(await logits.data(), logits.shape);
        logits.dispose();
        const o = await runOnnx(fs.readFileSync(file), { name: 'x', data, dims: [3, 1, S, S] }, 'logits');
        const rel = maxRelError(ours, o.data);
        console.log(`onnx CLI ${kind} (${model.meta.head}, ${S}×${S}, ${K} classes): logits max rel. error ${rel.toExponential(2)}`);
        assert.deepEqual(o.dims, [3, K, S, S]);
        assert.ok(rel < 1e-4, `logits differ: ${rel}`);
      } finally {
        model.dispose();
      }
    },
  );
}

test(
  'medssl export --format onnx on a pretraining run: the encoder; onnxruntime features equal the checkpoint encoder',
  { skip, timeout: 600_000 },
  async () => {
    const r = await runs();
    const target = path.join(r.root, 'out', 'enc.onnx');
    const e = await exportRun({ runDir: r.pretrain, out: target, json: false });
    assert.equal(e.code, 0, e.err.join('\n'));
    assert.deepEqual(e.out, [target]);
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['enc.onnx'], 'no temporary file left');
    const { d, meta } = decode(target);
    assert.deepEqual(
      d.graph.output.map((o) => o.name),
      ['features'],
    );
    assert.equal(meta.model, 'encoder');
    assert.match(meta.source, /^checkpoints\//);
    const config = (await loadConfig(path.join(r.pretrain, 'config.yaml'))).config;
    const m = await loadForExport(config, (await latestCheckpoint(r.pretrain))!);
    try {
      const S = config.data.size;
      const data = slices(2, S);
      const x = tf.tensor4d(data, [2, S, S, 1]);
      const f = m.encoder.forward(x);
      const ours = Float32Array.from(await f.pooled.data());
      tf.dispose([x, f.stem, ...f.stages, f.pooled]);
      const o = await runOnnx(fs.readFileSync(target), { name: 'x', data, dims: [2, 1, S, S] }, 'features');
      const rel = maxRelError(ours, o.data);
      console.log(`onnx CLI encoder (pretraining checkpoint, zca whitening): features max rel. error ${rel.toExponential(2)}`);
      assert.ok(rel < 1e-4, `features differ: ${rel}`);
    } finally {
      m.store.dispose();
    }
  },
);

test('medssl export --format onnx: bad input → exit 2 and one line naming it', { timeout: 600_000 }, async () => {
  const r = await runs();
  const cases: Array<[Partial<ExportArgs> & { runDir: string }, RegExp]> = [
    [{ runDir: r.pretrain, model: 'finetune' }, /has no finetune model .*evaluate it first: medssl evaluate .* --mode finetune/],
    [{ runDir: r.linear, model: 'finetune' }, /has no finetune model .*a linear evaluation; it has linear/],
    [{ runDir: r.pretrain, model: 'decoder' }, /--model takes finetune, linear, encoder, got 'decoder'/],
    [
      { runDir: r.finetune, out: path.join(r.pretrain, 'run.json', 'x.onnx') },
      /cannot write .*run\.json\/x\.onnx: a file or folder is in the way/,
    ],
  ];
  for (const [args, re] of cases) {
    const e = await exportRun(args);
    assert.equal(e.code, 2, `${JSON.stringify(args)}: ${e.err.join('\n')}`);
    assert.equal(e.err.filter((l) => !l.startsWith('warning:')).length, 1, e.err.join('\n'));
    assert.match(e.err[e.err.length - 1], re);
    assert.doesNotMatch(e.err.join('\n'), /\n\s+at /, 'no stack trace');
  }
});

test(
  'dist/cli.js export --format onnx: the bundled worker (protobufjs inside it) writes a model onnxruntime loads',
  { skip, timeout: 300_000 },
  async () => {
    const cli = path.resolve(__dirname, '../../../../dist/cli.js');
    const r = await runs();
    const target = path.join(r.root, 'dist-export', 'm.onnx');
    const p = spawnSync(process.execPath, [cli, 'export', r.finetune, '--format', 'onnx', '--out', target, '--json'], {
      encoding: 'utf8',
      timeout: 200_000,
    });
    assert.equal(p.status, 0, p.stderr);
    const line = JSON.parse(p.stdout.trim().split('\n').pop()!) as { file: string; model: string; bytes: number };
    assert.deepEqual([line.file, line.model, line.bytes], [target, 'finetune', fs.statSync(target).size]);
    const S = 16;
    const o = await runOnnx(fs.readFileSync(target), { name: 'x', data: slices(1, S), dims: [1, 1, S, S] }, 'logits');
    assert.equal(o.dims[2], S);
    assert.ok(o.data.every(Number.isFinite));
  },
);
