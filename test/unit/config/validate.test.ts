import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem, validateConfigText, type ConfigProblem } from '../../../src/core/config';

/** The 1-based line:col of the first occurrence of `needle` (after `after`) in `text`. */
function posOf(text: string, needle: string, after = ''): string {
  const i = text.indexOf(needle, after ? text.indexOf(after) : 0);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
const at = (p: ConfigProblem) => `${p.start.line}:${p.start.col}`;
const one = (problems: ConfigProblem[], re: RegExp) => {
  const m = problems.filter((p) => re.test(p.message));
  assert.equal(m.length, 1, `expected one problem matching ${re}, got:\n${problems.map(formatProblem).join('\n')}`);
  return m[0];
};

test('a config with only a name resolves with every default filled', () => {
  const r = validateConfigText('name: minimal\n', { file: 'minimal.medssl.yaml' });
  assert.equal(r.ok, true, r.problems.map(formatProblem).join('\n'));
  const c = r.config!;
  assert.equal(c.name, 'minimal');
  assert.equal(c.backend, 'auto');
  assert.equal(c.data.source, 'phantom');
  assert.equal(c.model.arch, 'resnet50');
  assert.deepEqual(c.model.whitening, {
    enabled: true,
    method: 'iternorm',
    groupSize: 64,
    iterations: 5,
    eps: 1e-5,
    momentum: 0.1,
    position: 'lastNorm',
  });
  assert.equal(c.ssl.queueSize, 65536);
  assert.equal(c.ssl.momentum, 0.999);
  assert.equal(c.ssl.temperature, 0.2);
  assert.equal(c.ssl.local.weight, 0.5);
  assert.equal(c.ssl.local.grid, 3);
  assert.deepEqual(c.ssl.augment.cropScale, [0.2, 1]);
  assert.equal(c.pretrain.lr, 'auto');
  assert.equal(c.pretrain.momentum, 0.9);
  assert.equal(c.pretrain.weightDecay, 1e-4);
  assert.equal(c.data.zscore.mean, 884.5);
});

test('zca gets 20 iterations by default, iternorm 5; an explicit value is kept', () => {
  const zca = validateConfigText('name: a\nmodel:\n  whitening:\n    method: zca\n').config!;
  assert.equal(zca.model.whitening.iterations, 20);
  const t3 = validateConfigText('name: a\nmodel:\n  whitening:\n    iterations: 3\n').config!;
  assert.equal(t3.model.whitening.iterations, 3);
});

test('errors carry the exact line:col and range of the offending value or key', () => {
  const text = [
    'name: pos',
    'data:',
    '  size: -4',
    'model:',
    '  whitening:',
    '    method: "zcaa"',
    'pretrain:',
    '  batchSize: 2.5',
    '',
  ].join('\n');
  const r = validateConfigText(text, { file: 'x.medssl.yaml' });
  assert.equal(r.ok, false);
  const size = one(r.problems, /^data\.size/);
  assert.equal(at(size), posOf(text, '-4'));
  assert.equal(text.slice(size.range.start, size.range.end), '-4');
  assert.deepEqual(size.end, { line: 3, col: 11 });
  assert.equal(formatProblem(size), `x.medssl.yaml:3:9: data.size: must be ≥ 1, got -4`);
  const method = one(r.problems, /^model\.whitening\.method/);
  assert.equal(at(method), '6:13');
  assert.equal(text.slice(method.range.start, method.range.end), '"zcaa"');
  assert.match(method.message, /did you mean 'zca'\?/);
  assert.deepEqual(method.suggestion, { title: "Change to 'zca'", range: method.range, newText: '"zca"' });
  const batch = one(r.problems, /^pretrain\.batchSize/);
  assert.equal(at(batch), '8:14');
  assert.match(batch.message, /must be a whole number, got 2\.5/);
});

test('unknown keys are errors on the key, with a did-you-mean suggestion as a quick-fix edit', () => {
  const text = 'name: u\npretrain:\n  batch_size: 64\n  epoch: 3\ndata:\n  sise: 64\n  zzzz: 1\nbatchSize: 8\n';
  const r = validateConfigText(text);
  assert.equal(r.ok, false);
  const b = one(r.problems, /'batch_size'/);
  assert.equal(b.code, 'unknown-key');
  assert.equal(at(b), '3:3');
  assert.equal(text.slice(b.range.start, b.range.end), 'batch_size');
  assert.equal(b.message, "unknown key 'batch_size' in 'pretrain'; did you mean 'batchSize'?");
  assert.deepEqual(b.suggestion?.newText, 'batchSize');
  assert.deepEqual(b.path, ['pretrain', 'batch_size']);
  assert.equal(one(r.problems, /'epoch'/).suggestion?.newText, 'epochs');
  assert.equal(one(r.problems, /'sise'/).suggestion?.newText, 'size');
  const z = one(r.problems, /'zzzz'/);
  assert.equal(z.suggestion, undefined);
  assert.match(z.message, /known keys here: source, path/);
  const misplaced = one(r.problems, /'batchSize' at the top level/);
  assert.match(misplaced.message, /belongs under 'pretrain'/);
  assert.equal(at(misplaced), '8:1');
});

test('type errors name the field, the expected type and what was written', () => {
  const text = 'name: t\nseed: abc\nmodel:\n  whitening: true\n  widths: [8, 16, 32]\npretrain:\n  lr: fast\n  epochs:\n';
  const r = validateConfigText(text);
  assert.match(one(r.problems, /^seed/).message, /seed: must be a whole number, got the text 'abc'/);
  const w = one(r.problems, /^model\.whitening/);
  assert.match(w.message, /must be a mapping/);
  assert.equal(at(w), '4:14');
  assert.match(one(r.problems, /^model\.widths/).message, /exactly 4 items, got a list of 3 items/);
  assert.match(one(r.problems, /^pretrain\.lr/).message, /must be 'auto' or a number > 0, got the text 'fast'/);
  const e = one(r.problems, /^pretrain\.epochs/);
  assert.match(e.message, /got nothing/);
  assert.equal(at(e), '8:3');
});

test('a missing name is reported; an empty file and YAML syntax errors have positions', () => {
  const r = validateConfigText('data:\n  size: 64\n');
  const m = one(r.problems, /missing required key 'name'/);
  assert.equal(m.code, 'missing-key');
  assert.match(validateConfigText('').problems[0].message, /config is empty/);
  const s = validateConfigText('name: a\ndata:\n  size: [1,\n');
  assert.equal(s.ok, false);
  assert.equal(s.problems[0].code, 'syntax');
  assert.match(s.problems[0].message, /^YAML syntax/);
  const dup = validateConfigText('name: a\nname: b\n');
  assert.equal(at(dup.problems[0]), '2:1');
  assert.match(dup.problems[0].message, /unique/);
});

test('cross-field rules: queue a multiple of batch, lr, whitening steps, projector = embedding', () => {
  const text =
    'name: x\nssl:\n  queueSize: 1000\n  embeddingDim: 64\npretrain:\n  batchSize: 64\nmodel:\n  whitening:\n    iterations: 12\n';
  const r = validateConfigText(text);
  assert.equal(r.ok, false);
  const q = one(r.problems, /multiple of pretrain\.batchSize/);
  assert.equal(q.code, 'cross-field');
  assert.equal(at(q), '3:14');
  assert.match(q.message, /e\.g\. 960 or 1024/);
  assert.equal(at(one(r.problems, /iternorm' diverge/)), '9:17');
  // outDim is not in the file: the problem goes to embeddingDim, which is.
  assert.equal(at(one(r.problems, /projector\.outDim \(128\) must equal ssl\.embeddingDim \(64\)/)), '4:17');
  assert.equal(validateConfigText('name: x\npretrain:\n  lr: 0\n').ok, false);
  assert.equal(validateConfigText('name: x\npretrain:\n  lr: 0.1\n').ok, true);
});

test('cross-field rules still run when the schema has other errors', () => {
  const r = validateConfigText('name: x\nssl:\n  queueSize: 1000\npretrain:\n  batchSize: 64\n  lr: fast\n');
  assert.equal(r.problems.length, 2, r.problems.map(formatProblem).join('\n'));
  one(r.problems, /multiple of/);
  one(r.problems, /pretrain\.lr/);
});

test('data.path must exist when source = folder, relative to the config file; it resolves to absolute', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-cfg-'));
  try {
    fs.mkdirSync(path.join(dir, 'data', 'ct'), { recursive: true });
    const file = path.join(dir, 'exp.medssl.yaml');
    const good = validateConfigText('name: f\ndata:\n  source: folder\n  path: data/ct\n', { file });
    assert.equal(good.ok, true, good.problems.map(formatProblem).join('\n'));
    assert.equal(good.config!.data.path, path.join(dir, 'data', 'ct'));
    const text = 'name: f\ndata:\n  source: folder\n  path: data/missing\n';
    const bad = validateConfigText(text, { file });
    const p = one(bad.problems, /does not exist/);
    assert.equal(at(p), '4:9');
    assert.ok(p.message.includes(path.join(dir, 'data', 'missing')));
    const none = validateConfigText('name: f\ndata:\n  source: folder\n', { file });
    assert.equal(at(one(none.problems, /data\.path is required/)), '3:11');
    assert.equal(validateConfigText(text, { file, checkFiles: false }).ok, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('JSON configs validate with positions and JSON-quoted quick fixes', () => {
  const text = '{\n\t"name": "j",\n\t"pretrain": {"epochs": "two", "batchSiz": 16}\n}\n';
  const r = validateConfigText(text, { file: 'j.medssl.json' });
  assert.equal(at(one(r.problems, /epochs/)), '3:25');
  const k = one(r.problems, /batchSiz/);
  assert.equal(at(k), '3:32');
  assert.equal(k.suggestion?.newText, '"batchSize"');
  assert.equal(text.slice(k.range.start, k.range.end), '"batchSiz"');
  assert.equal(validateConfigText('{"name": "j", "pretrain": {"epochs": 2}}', { file: 'j.json' }).config?.pretrain.epochs, 2);
});

test('--set overrides apply on top of the file and their problems name the override', () => {
  const r = validateConfigText('name: o\npretrain:\n  epochs: 3\n', {
    overrides: ['pretrain.epochs=7', 'ssl.local.enabled=false', 'pretrain.lr=auto'],
  });
  assert.equal(r.ok, true);
  assert.equal(r.config!.pretrain.epochs, 7);
  assert.equal(r.config!.ssl.local.enabled, false);
  const bad = validateConfigText('name: o\n', { file: 'o.yaml', overrides: ['pretrain.epochs=-1'] });
  assert.equal(bad.problems[0].override, 'pretrain.epochs=-1');
  assert.equal(formatProblem(bad.problems[0]), 'o.yaml: (from --set pretrain.epochs=-1) pretrain.epochs: must be ≥ 1, got -1');
});
