import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diceChartOf, dicePerClassPng } from '../../../src/core/report/charts/fromRuns';
import { htmlReport } from '../../../src/core/report/html';
import { summarizeRun } from '../../../src/core/report/summary';
import { classNames, seedsStudy, writeSeedRun } from './seedRunsFixture';

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
