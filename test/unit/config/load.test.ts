import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, configHash, defaultConfig, loadConfig, stringifyConfig, validateConfigText } from '../../../src/core/config';
import { validateCommand } from '../../../src/cli/commands/validate';

const examples = path.resolve(__dirname, '../../../../examples');

test('every example config validates without problems', async () => {
  const files = fs.readdirSync(examples).filter((f) => /\.medssl\.(ya?ml|json)$/.test(f));
  for (const f of ['smoke.medssl.yaml', 'ablation.medssl.yaml', 'phantom-demo.medssl.yaml']) assert.ok(files.includes(f), f);
  for (const f of files) {
    const { config, warnings } = await loadConfig(path.join(examples, f));
    assert.deepEqual(warnings, [], f);
    assert.ok(config.name);
  }
  const smoke = (await loadConfig(path.join(examples, 'smoke.medssl.yaml'))).config;
  assert.deepEqual(smoke.model.widths, [8, 16, 32, 64]);
  assert.equal(smoke.pretrain.epochs, 2);
  assert.equal(smoke.ssl.queueSize, 32);
  const ablation = (await loadConfig(path.join(examples, 'ablation.medssl.yaml'))).config;
  assert.equal(ablation.model.arch, 'resnet50');
  assert.equal(ablation.ssl.local.enabled && ablation.model.whitening.enabled, true);
});

test('loadConfig throws a ConfigError listing every problem as file:line:col', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-load-'));
  try {
    const f = path.join(dir, 'bad.medssl.yaml');
    fs.writeFileSync(f, 'name: b\nssl:\n  temprature: 0.1\n');
    await assert.rejects(
      loadConfig(f),
      (e: unknown) => e instanceof ConfigError && e.message === `${f}:3:3: unknown key 'temprature' in 'ssl'; did you mean 'temperature'?`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('configHash is stable across key order and formatting, and changes with any value', () => {
  const a = validateConfigText('name: h\npretrain:\n  epochs: 3\n  batchSize: 32\nssl: {queueSize: 1024}\n').config!;
  const b = validateConfigText('{"ssl": {"queueSize": 1024}, "pretrain": {"batchSize": 32, "epochs": 3}, "name": "h"}', {
    format: 'json',
  }).config!;
  assert.equal(configHash(a), configHash(b));
  assert.match(configHash(a), /^sha256:[0-9a-f]{64}$/);
  const c = validateConfigText('name: h\npretrain:\n  epochs: 4\n  batchSize: 32\nssl: {queueSize: 1024}\n').config!;
  assert.notEqual(configHash(a), configHash(c));
});

test('stringifyConfig writes the resolved config, which validates back to the same config', () => {
  const c = defaultConfig('roundtrip');
  const text = stringifyConfig(c, 'header line');
  assert.match(text, /^# header line\n/);
  assert.deepEqual(parse(text), c);
  const again = validateConfigText(text);
  assert.equal(again.ok, true);
  assert.equal(configHash(again.config!), configHash(c));
});

test('medssl validate: exit 0 with ok, exit 2 with file:line:col problems, exit 2 naming a missing file', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const smoke = path.join(examples, 'smoke.medssl.yaml');
  assert.equal(
    await validateCommand(
      { path: smoke },
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    0,
  );
  assert.deepEqual(out, [`ok: ${smoke}`]);
  assert.equal(err.length, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-val-'));
  try {
    const f = path.join(dir, 'b.medssl.yaml');
    fs.writeFileSync(f, 'name: b\nmodel:\n  arch: resnet51\n  stme: small\n');
    err.length = 0;
    assert.equal(
      await validateCommand(
        { path: f },
        () => {},
        (s) => err.push(s),
      ),
      2,
    );
    assert.deepEqual(err, [
      `${f}:3:9: model.arch: the text 'resnet51' is not one of 'resnet18', 'resnet34', 'resnet50'; did you mean 'resnet50'?`,
      `${f}:4:3: unknown key 'stme' in 'model'; did you mean 'stem'?`,
      `${f}: 2 problems`,
    ]);
    err.length = 0;
    const missing = path.join(dir, 'nope.medssl.yaml');
    assert.equal(
      await validateCommand(
        { path: missing },
        () => {},
        (s) => err.push(s),
      ),
      2,
    );
    assert.match(err[0], new RegExp(`^${missing.replace(/[.]/g, '\\.')}:1:1: cannot read the config: no such file`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
