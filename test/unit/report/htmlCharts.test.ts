import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chartGroups, diceChartOf, dicePerClassPng, spectrumRowsOf } from '../../../src/core/report/charts/fromRuns';
import { normalisedSingularValues } from '../../../src/core/report/charts/spectra';
import { htmlReport } from '../../../src/core/report/html';
import { summarizeRun } from '../../../src/core/report/summary';
import { writeSeedRun } from './seedRunsFixture';

const classNames = ['background', 'liver', 'kidney'];

/** Two variants × three seeds with known Dice per class and spectra. */
function seedsStudy() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-report-charts-'));
  const dirs: string[] = [];
  for (const [variant, method, dice] of [
    ['mocov2', false, [0.4, 0.2]],
    ['method', true, [0.6, 0.3]],
  ] as const)
    for (const seed of [0, 1, 2])
      dirs.push(
        writeSeedRun(root, {
          variant,
          seed,
          method,
          // seeds 0, 1, 2 add 0, 0.1, 0.2 to the first class: mean +0.1, sd 0.1
          perClass: [dice[0] + 0.1 * seed, dice[1]],
          eigenvalues: method ? [1, 1, 1, 1] : [16, 4 * (seed + 1), 1, 0],
          classNames,
        }),
      );
  return dirs.map(summarizeRun);
}

test('chart rows over seeds: one per variant, Dice per class as mean ± sd over its seeds', () => {
  const rows = seedsStudy();
  assert.deepEqual(
    chartGroups(rows).map((g) => [g.label, g.runs.length]),
    [
      ['abl-mocov2', 3],
      ['abl-method', 3],
    ],
  );
  const c = diceChartOf(rows)!;
  assert.deepEqual(c.classNames, ['liver', 'kidney']);
  assert.deepEqual(c.seeds, [3, 3]);
  const b = c.bars.map((x) => [x.row, x.cls, Number(x.mean.toFixed(6)), Number(x.sd.toFixed(6))]);
  assert.deepEqual(b, [
    [0, 0, 0.5, 0.1],
    [1, 0, 0.7, 0.1],
    [0, 1, 0.2, 0],
    [1, 1, 0.3, 0],
  ]);
  // the method's flat spectrum: σ/Σσ = 1/4 at every index, the same for every seed
  const [moco, method] = spectrumRowsOf(rows, 'representation');
  assert.equal(method.runs.length, 3);
  assert.deepEqual(normalisedSingularValues(method.runs[0]), [0.25, 0.25, 0.25, 0.25]);
  assert.match(method.legend!, /^abl-method \(RankMe 4\.0 ± 0\.0\)$/);
  assert.equal(moco.runs.length, 3);
  assert.ok(dicePerClassPng(rows)!.length > 1000);
});

test('HTML over seeds: the final spectra of each row (mean line, seed band) and the Dice-per-class chart with its caption', () => {
  const html = htmlReport(seedsStudy(), { title: 't', dicePng: 'r-dice-per-class.png' });
  const repr = /<svg [^>]*data-chart="spectrum-representation">(.*?)<\/svg>/.exec(html)?.[1] ?? '';
  const line = (row: string) => new RegExp(`<polyline [^>]*data-row="${row}" data-seeds="3" data-values="([^"]+)"`).exec(repr)?.[1];
  assert.equal(line('abl-method'), '2.500e-1 2.500e-1 2.500e-1 2.500e-1');
  // mocov2, σ of seed s: 4, 2√(s+1), 1, 0 → first index mean over seeds of 4/(5 + 2√(s+1))
  const first = [1, 2, 3].map((s) => 4 / (5 + 2 * Math.sqrt(s))).reduce((a, v) => a + v, 0) / 3;
  assert.equal(line('abl-mocov2')?.split(' ')[0], first.toExponential(3));
  assert.match(repr, /<polygon [^>]*data-row="abl-mocov2" data-band="min-max over seeds"/);
  assert.match(html, /data-chart="spectrum-embedding"/);
  assert.match(html, /Final spectra/);
  const dice = /<svg [^>]*data-chart="dice-per-class">(.*?)<\/svg>/.exec(html)?.[1] ?? '';
  assert.match(dice, /data-row="abl-method" data-class="liver" data-mean="0\.7000" data-sd="0\.1000"/);
  assert.match(dice, />bars: mean over seeds · whiskers: ± 1 sd over seeds \(3 seeds per row\)</);
  assert.match(html, /whiskers: ± 1 sample sd over seeds \(not a confidence interval/);
  assert.match(html, /Also written as PNG: r-dice-per-class\.png/);
});

test('HTML without seeds: each run its own row, no band, bars without whiskers; no Dice section without per-class Dice', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-report-charts-'));
  const rows = [
    writeSeedRun(root, { variant: 'a', seed: 0, method: false, perClass: [0.5, 0.25], eigenvalues: [4, 1], classNames }),
    writeSeedRun(root, { variant: 'b', seed: 0, method: true, perClass: [0.6, 0.35], eigenvalues: [1, 1], classNames }),
  ].map(summarizeRun);
  const html = htmlReport(rows, { title: 't' });
  assert.match(html, /<polyline [^>]*data-row="abl-a-seed0" data-seeds="1"/);
  assert.match(html, /<polyline [^>]*data-row="abl-b-seed0" data-seeds="1"/);
  assert.doesNotMatch(html, /<polygon/);
  assert.match(html, /Bars: one run per row, no whiskers/);
  assert.ok(diceChartOf(rows)!.bars.every((b) => b.whisker === undefined));
  // a run folder with no per-class Dice (a pretraining that was not evaluated)
  fs.writeFileSync(path.join(rows[0].dir, 'metrics.json'), '{}');
  fs.writeFileSync(path.join(rows[1].dir, 'metrics.json'), '{}');
  assert.equal(dicePerClassPng(rows), null);
  assert.doesNotMatch(htmlReport(rows, { title: 't' }), /data-chart="dice-per-class"/);
});
