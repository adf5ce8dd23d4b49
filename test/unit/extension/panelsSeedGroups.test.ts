// Which runs the compare panels treat as seeds of one variant (host side), and the aggregate they draw
// (webview/shared/seeds.ts, webview/curves/lines.ts): known cases, and the recorded seeds fixture.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { meanSd as coreMeanSd } from '../../../src/core/metrics/bootstrap';
import { runLabels } from '../../../src/extension/panels/runData';
import { seedMembership } from '../../../src/extension/panels/seedGroups';
import type { RunLabel } from '../../../src/protocol/webviews/common';
import { groupColumns, linesOf, type Run } from '../../../webview/curves/lines';
import { aggregateSteps, formatMeanSd, groupLabel, hasSeeds, latestIndex, meanSd, seedGroups } from '../../../webview/shared/seeds';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const SEEDS_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'runs', 'seeds');
const seedDirs = (): string[] =>
  fs
    .readdirSync(SEEDS_FIXTURE)
    .filter((d) => fs.existsSync(path.join(SEEDS_FIXTURE, d, 'run.json')))
    .sort()
    .map((d) => path.join(SEEDS_FIXTURE, d));

const cfg = (seed: number, extra: Record<string, unknown> = {}) => ({ name: 'x', seed, model: { arch: 'resnet18' }, ...extra });

test('seedMembership: seeds of one variant with configs equal but for seed and name are grouped', () => {
  const m = seedMembership([
    { name: 'abl-mocov2-seed0', stage: 'pretrain', config: cfg(0) },
    { name: 'abl-mocov2-seed1', stage: 'pretrain', config: cfg(1, { name: 'y' }) },
    { name: 'abl-method-seed0', stage: 'pretrain', config: cfg(0) },
  ]);
  assert.deepEqual(m, [{ variant: 'abl-mocov2', seed: 0 }, { variant: 'abl-mocov2', seed: 1 }, undefined]);
});

test('seedMembership: not grouped when configs differ beyond the seed, stages differ, a seed repeats, or the name has no seed', () => {
  const differ = seedMembership([
    { name: 'a-seed0', stage: 'pretrain', config: cfg(0) },
    { name: 'a-seed1', stage: 'pretrain', config: cfg(1, { model: { arch: 'resnet50' } }) },
  ]);
  assert.deepEqual(differ, [undefined, undefined]);
  const stages = seedMembership([
    { name: 'a-seed0', stage: 'pretrain', config: cfg(0) },
    { name: 'a-seed1', stage: 'linear', config: cfg(1) },
  ]);
  assert.deepEqual(stages, [undefined, undefined]);
  const rerun = seedMembership([
    { name: 'a-seed0', stage: 'pretrain', config: cfg(0) },
    { name: 'a-seed0', stage: 'pretrain', config: cfg(0) },
  ]);
  assert.deepEqual(rerun, [undefined, undefined]);
  assert.deepEqual(
    seedMembership([
      { name: 'a', stage: 'pretrain', config: cfg(0) },
      { name: 'b', stage: 'pretrain', config: cfg(1) },
    ]),
    [undefined, undefined],
  );
});

test('runLabels on the recorded seeds fixture: two variants × seeds 0, 1, 2', () => {
  const labels = runLabels(seedDirs());
  assert.equal(labels.length, 6);
  assert.deepEqual(
    labels.map((l) => l.seedOf),
    [0, 1, 2].map((seed) => ({ variant: 'seeds-mocov2', seed })).concat([0, 1, 2].map((seed) => ({ variant: 'seeds-method', seed }))),
  );
  const groups = seedGroups(labels);
  assert.deepEqual(
    groups.map((g) => [g.key, groupLabel(g)]),
    [
      ['seeds:seeds-mocov2', 'seeds-mocov2 · 3 seeds (0, 1, 2)'],
      ['seeds:seeds-method', 'seeds-method · 3 seeds (0, 1, 2)'],
    ],
  );
  // what the variants differ in, without the seed
  assert.ok(groups[0].differs.includes('ssl.local.enabled=false'), groups[0].differs.join(' '));
  assert.ok(!groups[0].differs.some((d) => d.startsWith('seed=')));
  // one run alone is never marked
  assert.equal(runLabels(seedDirs().slice(0, 1))[0].seedOf, undefined);
});

test('meanSd: the sample standard deviation, as medssl report computes it', () => {
  const x = [2, 4, 4, 4, 5, 5, 7, 9];
  const m = meanSd(x)!;
  assert.equal(m.mean, 5);
  assert.ok(Math.abs(m.sd - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(m, coreMeanSd(x));
  assert.ok(Number.isNaN(meanSd([3])!.sd));
  assert.equal(meanSd([Number.NaN]), null);
  assert.equal(
    formatMeanSd(m, (v) => v.toFixed(2)),
    '5.00 ± 2.14',
  );
  assert.equal(
    formatMeanSd(meanSd([3])!, (v) => v.toFixed(2)),
    '3.00',
  );
});

test('aggregateSteps: the union of steps, over the seeds that have each step; latestIndex prefers the newest step all seeds reached', () => {
  const a = aggregateSteps([
    { steps: [0, 10, 20], values: [1, 3, 5] },
    { steps: [0, 10, 20, 30], values: [3, 5, Number.NaN, 9] },
    { steps: [0, 10], values: [2, 4] },
  ]);
  assert.deepEqual(a.steps, [0, 10, 20, 30]);
  assert.deepEqual(a.mean, [2, 4, 5, 9]);
  assert.deepEqual(a.n, [3, 3, 1, 1]);
  assert.deepEqual(a.sd.slice(0, 2), [1, 1]);
  assert.ok(Number.isNaN(a.sd[2]));
  assert.equal(latestIndex(a, 3), 1);
  assert.equal(latestIndex(aggregateSteps([{ steps: [5], values: [1] }]), 3), 0);
});

test('seedGroups: a variant leads where its first seed comes; a running seed makes the group running; single runs stay', () => {
  const l = (runId: string, variant?: string, seed = 0, status = 'completed'): RunLabel => ({
    runId,
    name: runId,
    status,
    differs: [`seed=${seed}`, 'x=1'],
    ...(variant ? { seedOf: { variant, seed } } : {}),
  });
  const g = seedGroups([l('a0', 'a', 0), l('solo'), l('a1', 'a', 1, 'running'), l('b0', 'b', 0, 'failed'), l('b1', 'b', 1)]);
  assert.deepEqual(
    g.map((x) => [x.key, x.runs.length, x.status]),
    [
      ['seeds:a', 2, 'running'],
      ['solo', 1, 'completed'],
      ['seeds:b', 2, 'failed'],
    ],
  );
  assert.deepEqual(g[0].differs, ['x=1']);
  const reversed = seedGroups([l('a2', 'a', 2), l('a0', 'a', 0), l('a1', 'a', 1)]);
  assert.deepEqual(reversed[0].seeds, [0, 1, 2], 'seeds ascending, as the Runs view (newest first) may not give them');
  assert.deepEqual(
    reversed[0].runs.map((r) => r.runId),
    ['a0', 'a1', 'a2'],
  );
  assert.deepEqual(g[1].differs, ['seed=0', 'x=1']);
  assert.ok(hasSeeds([l('a0', 'a', 0), l('a1', 'a', 1)]));
  assert.ok(!hasSeeds([l('a0', 'a', 0), l('solo')]));
});

test('groupColumns: a variant is a mean column with ± sd edges; one run is its own column; hidden lines and log-y gaps', () => {
  const run = (runId: string, variant: string | undefined, seed: number, values: number[]): Run => ({
    runId,
    name: runId,
    status: 'completed',
    differs: [],
    ...(variant ? { seedOf: { variant, seed } } : {}),
    series: new Map([['loss/total', { name: 'loss/total', steps: [1, 2, 3], values }]]),
  });
  const runs = [run('v0', 'v', 0, [1, 2, -1]), run('v1', 'v', 1, [3, 4, -3]), run('solo', undefined, 0, [5, 6, 7])];
  const agg = groupColumns(linesOf(runs, true), ['loss/total'], 'loss', { hidden: [], smoothing: 0, logY: false });
  assert.deepEqual(agg.x, [1, 2, 3]);
  const col = (key: string) => agg.columns.find((c) => c.key === key)!.values;
  const sd = Math.SQRT2;
  assert.deepEqual(col('seeds:v|loss/total'), [2, 3, -2]);
  assert.deepEqual(col('seeds:v|loss/total|hi'), [2 + sd, 3 + sd, -2 + sd]);
  assert.deepEqual(col('seeds:v|loss/total|lo'), [2 - sd, 3 - sd, -2 - sd]);
  assert.deepEqual(col('solo|loss/total'), [5, 6, 7]);
  assert.deepEqual(col('seeds:v|loss/total|partial'), [null, null, null], 'every seed has every step: no partial line');
  assert.equal(agg.columns.length, 5);
  // each run alone: three columns, no edges
  const each = groupColumns(linesOf(runs, false), ['loss/total'], 'loss', { hidden: ['v1'], smoothing: 0, logY: true });
  assert.deepEqual(
    each.columns.map((c) => [c.key, c.values]),
    [
      ['v0|loss/total', [1, 2, null]],
      ['solo|loss/total', [5, 6, 7]],
    ],
  );
});

test('groupColumns: where a seed has not reached a step yet, the mean moves to a fainter partial line joined at the last shared step', () => {
  const run = (runId: string, seed: number, steps: number[]): Run => ({
    runId,
    name: runId,
    status: 'running',
    differs: [],
    seedOf: { variant: 'v', seed },
    series: new Map([['loss/total', { name: 'loss/total', steps, values: steps.map((st) => st * 10 + seed) }]]),
  });
  const runs = [run('v0', 0, [1, 2, 3, 4, 5]), run('v1', 1, [1, 2, 3, 4, 5]), run('v2', 2, [1, 2, 3])];
  const { x, columns } = groupColumns(linesOf(runs, true), ['loss/total'], 'loss', { hidden: [], smoothing: 0, logY: false });
  assert.deepEqual(x, [1, 2, 3, 4, 5]);
  const col = (key: string) => columns.find((c) => c.key === key)!.values;
  assert.deepEqual(col('seeds:v|loss/total'), [11, 21, 31, null, null], 'the mean of all three seeds up to step 3');
  assert.deepEqual(col('seeds:v|loss/total|partial'), [null, null, 31, 40.5, 50.5], 'then of the two that are further');
  // the band stays where at least two seeds have the step
  assert.ok(Math.abs(col('seeds:v|loss/total|hi')[4]! - 50.5 - Math.SQRT1_2) < 1e-12);
});
