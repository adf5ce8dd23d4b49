import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateMarkdown, aggregateSeeds, splitSeed, type SeedRun } from '../../../src/core/report/aggregate';

const run = (
  variant: string,
  seed: number,
  dice: number,
  rankMe: number,
  cases: [string, number][],
  perClass: number[] = [1, dice, dice],
): SeedRun => ({ variant, seed, linearDice: dice, rankMe, perClass, classNames: ['background', 'liver', 'kidney'], cases: new Map(cases) });

test('run names split into variant and seed', () => {
  assert.deepEqual(splitSeed('abl-method-seed12'), { variant: 'abl-method', seed: 12 });
  assert.deepEqual(splitSeed('abl-method'), { variant: 'abl-method', seed: null });
});

test('aggregation over seeds, known case: mean ± sd per variant; paired differences by (seed, case) against the first', () => {
  const rows = aggregateSeeds([
    run('base', 0, 0.2, 10, [
      ['a', 0.1],
      ['b', 0.3],
    ]),
    run('base', 1, 0.4, 14, [
      ['a', 0.3],
      ['b', 0.5],
    ]),
    // every case of every seed exactly 0.1 above the baseline: the interval is [0.1, 0.1]
    run('better', 0, 0.3, 20, [
      ['a', 0.2],
      ['b', 0.4],
    ]),
    run('better', 1, 0.5, 22, [
      ['a', 0.4],
      ['b', 0.6],
    ]),
    // seed 2 has no baseline run: not paired
    run('better', 2, 0.9, 22, [['a', 0.9]]),
  ]);
  assert.deepEqual(
    rows.map((r) => r.variant),
    ['base', 'better'],
  );
  assert.ok(Math.abs(rows[0].linearDice!.mean - 0.3) < 1e-12 && Math.abs(rows[0].linearDice!.sd - Math.SQRT2 * 0.1) < 1e-12);
  assert.deepEqual(rows[0].rankMe, { mean: 12, sd: Math.sqrt(8), n: 2 });
  assert.equal(rows[0].diffVsFirst, null);
  assert.equal(rows[0].perClassDice.length, 2, 'foreground classes only');
  const d = rows[1].diffVsFirst!;
  assert.equal(d.pairs, 4);
  assert.ok(Math.abs(d.mean - 0.1) < 1e-12 && Math.abs(d.lo - 0.1) < 1e-12 && Math.abs(d.hi - 0.1) < 1e-12, JSON.stringify(d));
  assert.deepEqual(rows[1].seeds, [0, 1, 2]);
  const md = aggregateMarkdown(rows);
  assert.match(
    md,
    /\| base \| 0, 1 \| 0\.300 ± 0\.141 \| liver 0\.300 ± 0\.141; kidney 0\.300 ± 0\.141 \| 12\.00 ± 2\.83 \| \(baseline\) \|/,
  );
  assert.match(md, /\| better \| 0, 1, 2 \| .* \| \+0\.100 \[0\.100, 0\.100\] \| 4 \|/);
});
