import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runCommand } from '../../../src/cli/commands/run';
import { ABLATION_VARIANTS, variantOverrides } from '../../../src/core/eval/variants';
import { tinyAblationYaml } from '../tinyRunYaml';

const YAML = tinyAblationYaml('vartiny');

test('variants: overrides per variant (name suffix, list cleared); the ablation rows', () => {
  assert.deepEqual(variantOverrides({ name: 'a', set: { 'ssl.local.enabled': false, 'model.whitening.method': 'zca' } }, 'x'), [
    'ssl.local.enabled=false',
    'model.whitening.method=zca',
    'name=x-a',
    'variants=[]',
  ]);
  assert.equal(ABLATION_VARIANTS.length, 4);
});

test('medssl run with variants: one run per variant with its overrides and evaluations, then the summary table', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-variants-'));
  const f = path.join(d, 'v.medssl.yaml');
  fs.writeFileSync(f, YAML);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(
    { config: f, runsDir: path.join(d, 'runs'), set: [], json: false },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  assert.equal(code, 0, err.join('\n'));
  const runs = fs.readdirSync(path.join(d, 'runs')).sort();
  assert.equal(runs.length, 2);
  const byName = new Map(runs.map((r) => [r.replace(/^\d{8}T\d{6}Z-/, ''), r]));
  assert.deepEqual([...byName.keys()].sort(), ['vartiny-method', 'vartiny-mocov2']);
  const cm = parse(fs.readFileSync(path.join(d, 'runs', byName.get('vartiny-mocov2')!, 'config.yaml'), 'utf8'));
  assert.equal(cm.ssl.local.enabled, false);
  assert.equal(cm.model.whitening.enabled, false);
  assert.deepEqual(cm.variants, []);
  const cf = parse(fs.readFileSync(path.join(d, 'runs', byName.get('vartiny-method')!, 'config.yaml'), 'utf8'));
  assert.equal(cf.ssl.local.enabled, true);
  for (const r of runs) assert.ok(fs.existsSync(path.join(d, 'runs', r, 'metrics.json')), `${r}: metrics.json`);
  const table = out.join('\n');
  assert.match(table, /\| vartiny-mocov2 \| off \| off \|/);
  assert.match(table, /\| vartiny-method \| on \| iternorm \|/);
});

test('medssl run with duplicate variant names → exit 2 naming them', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-variants-'));
  const f = path.join(d, 'v.medssl.yaml');
  fs.writeFileSync(f, YAML.replace('  - name: method', '  - name: mocov2'));
  const err: string[] = [];
  assert.equal(
    await runCommand(
      { config: f, runsDir: path.join(d, 'runs'), set: [], json: false },
      () => {},
      (s) => err.push(s),
    ),
    2,
  );
  assert.match(err.join('\n'), /mocov2 appears more than once/);
});
