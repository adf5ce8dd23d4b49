import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../../src/core/config/load';
import { validateConfigText } from '../../../src/core/config';
import { runCaseSplit } from '../../../src/core/data/runSplit';

const ids = Array.from({ length: 20 }, (_, i) => `case_${String(i).padStart(3, '0')}`);
const withSeeds = (seed: number, splitSeed?: number) => {
  const c = defaultConfig('s');
  c.seed = seed;
  c.data.heldOutFraction = 0.25;
  if (splitSeed !== undefined) c.data.splitSeed = splitSeed;
  return c;
};

test('runCaseSplit: the run seed draws the split unless data.splitSeed holds it fixed', () => {
  const bySeed = [0, 1, 2, 3].map((s) => runCaseSplit(withSeeds(s), ids).val.join(','));
  assert.ok(new Set(bySeed).size > 1, 'seeds draw different held-out cases');
  const fixed = [0, 1, 2, 3].map((s) => runCaseSplit(withSeeds(s, 7), ids));
  for (const f of fixed) assert.deepEqual(f, fixed[0]);
  assert.deepEqual(fixed[0], runCaseSplit(withSeeds(7), ids), 'splitSeed 7 is the split seed 7 draws');
  assert.equal(fixed[0].val.length, 5);
  assert.deepEqual([...fixed[0].train, ...fixed[0].val].sort(), ids, 'every case once');
  const none = withSeeds(0);
  none.data.heldOutFraction = 0;
  assert.deepEqual(runCaseSplit(none, [...ids].reverse()), { train: ids, val: [], test: [] });
});

test('data.splitSeed in a config: a non-negative integer, absent by default', () => {
  assert.equal(defaultConfig('s').data.splitSeed, undefined);
  const ok = validateConfigText('name: s\ndata:\n  splitSeed: 3\n');
  assert.equal(ok.config?.data.splitSeed, 3);
  const bad = validateConfigText('name: s\ndata:\n  splitSeed: -1\n');
  assert.equal(bad.ok, false);
  assert.match(bad.problems.map((p) => `${p.path?.join('.')}: ${p.message}`).join('\n'), /data\.splitSeed/);
});
