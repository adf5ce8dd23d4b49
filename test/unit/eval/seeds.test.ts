import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runCommand } from '../../../src/cli/commands/run';
import { main } from '../../../src/cli/main';
import { expandVariants, variantOverrides } from '../../../src/core/eval/variants';
import { tinyAblationYaml } from '../tinyRunYaml';

const YAML = tinyAblationYaml('seedtiny', [0, 1]);

test('seeds expand every variant once per seed (seed set, name suffixed); without variants the config itself', () => {
  const v = expandVariants({
    variants: [
      { name: 'a', set: { 'ssl.local.enabled': false } },
      { name: 'b', set: {} },
    ],
    seeds: [0, 5],
  });
  assert.deepEqual(v, [
    { name: 'a-seed0', set: { 'ssl.local.enabled': false, seed: 0 } },
    { name: 'a-seed5', set: { 'ssl.local.enabled': false, seed: 5 } },
    { name: 'b-seed0', set: { seed: 0 } },
    { name: 'b-seed5', set: { seed: 5 } },
  ]);
  assert.deepEqual(expandVariants({ seeds: [3] }), [{ name: 'seed3', set: { seed: 3 } }]);
  assert.deepEqual(expandVariants({ variants: [{ name: 'a', set: {} }] }), [{ name: 'a', set: {} }]);
  assert.deepEqual(expandVariants({}), []);
  assert.deepEqual(variantOverrides(v[1], 'x', true), ['ssl.local.enabled=false', 'seed=5', 'name=x-a-seed5', 'variants=[]', 'seeds=[]']);
});

test('medssl run with seeds: a run per variant × seed, then the per-run table and the table over seeds; medssl report aggregates too', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-seeds-'));
  const f = path.join(d, 's.medssl.yaml');
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
  const byName = new Map(runs.map((r) => [r.replace(/^\d{8}T\d{6}Z-/, ''), r]));
  assert.deepEqual([...byName.keys()].sort(), [
    'seedtiny-method-seed0',
    'seedtiny-method-seed1',
    'seedtiny-mocov2-seed0',
    'seedtiny-mocov2-seed1',
  ]);
  const c1 = parse(fs.readFileSync(path.join(d, 'runs', byName.get('seedtiny-mocov2-seed1')!, 'config.yaml'), 'utf8'));
  assert.equal(c1.seed, 1);
  assert.deepEqual(c1.seeds, []);
  assert.equal(c1.ssl.local.enabled, false);
  const text = out.join('\n');
  assert.match(text, /\| seedtiny-mocov2-seed0 \| off \| off \|/);
  assert.match(text, /\| variant \| seeds \| mean Dice \(linear\)/);
  // 1 held-out case × 2 seeds = 2 pairs against the baseline
  assert.match(text, /\| seedtiny-mocov2 \| 0, 1 \| [\d.]+ ± [\d.]+ \|.*\(baseline\)/);
  assert.match(text, /\| seedtiny-method \| 0, 1 \| [\d.]+ ± [\d.]+ \|.*\| [+-][\d.]+ \[-?[\d.]+, -?[\d.]+\] \| 2 \|/);
  const json: string[] = [];
  assert.equal(
    await main(
      ['report', ...runs.map((r) => path.join(d, 'runs', r)), '--json'],
      (s) => json.push(s),
      () => {},
    ),
    0,
  );
  const agg = JSON.parse(json.join('\n')).aggregate;
  assert.deepEqual(
    agg.map((a: { variant: string }) => a.variant),
    ['seedtiny-mocov2', 'seedtiny-method'],
  );
  assert.equal(agg[1].diffVsFirst.pairs, 2);
  assert.ok(agg[1].diffVsFirst.lo <= agg[1].diffVsFirst.mean && agg[1].diffVsFirst.mean <= agg[1].diffVsFirst.hi);
  const html = path.join(d, 'r.html');
  assert.equal(
    await main(
      ['report', ...runs.map((r) => path.join(d, 'runs', r)), '--html', html],
      () => {},
      () => {},
    ),
    0,
  );
  const h = fs.readFileSync(html, 'utf8');
  assert.match(h, /<h2>Over seeds<\/h2>/);
  assert.match(h, /<td>seedtiny-method<\/td><td>0, 1<\/td>/);
});

test('seeds listed twice → exit 2 naming them', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-seeds-'));
  const f = path.join(d, 's.medssl.yaml');
  fs.writeFileSync(f, YAML.replace('seeds: [0, 1]', 'seeds: [0, 1, 1]'));
  const err: string[] = [];
  assert.equal(
    await runCommand(
      { config: f, runsDir: path.join(d, 'runs'), set: [], json: false },
      () => {},
      (s) => err.push(s),
    ),
    2,
  );
  assert.match(err.join('\n'), /seeds: 1 appears more than once/);
});
