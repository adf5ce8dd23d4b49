// The Collapse panel's seed aggregate (webview/collapse/seedLines.ts) on the recorded seeds fixture, as the
// host sends it, checked against the diagnostics files themselves; and the verdict count on a known case.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { collapseRuns } from '../../../src/extension/panels/runData';
import type { SpectrumPayload } from '../../../src/protocol/webviews/collapse';
import { extrasSummary, layerSummary, rankOverTime, spectrumBand, stepOf, verdictSummary } from '../../../webview/collapse/seedLines';
import { seedGroups } from '../../../webview/shared/seeds';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'runs', 'seeds');
const dirs = fs
  .readdirSync(FIXTURE)
  .filter((d) => fs.existsSync(path.join(FIXTURE, d, 'run.json')))
  .sort()
  .map((d) => path.join(FIXTURE, d));
type DiagFile = { layers: Record<string, { rankMe: number; eigenvalues: number[] }>; top1: number };
const diag = (dir: string, step: number): DiagFile =>
  JSON.parse(fs.readFileSync(path.join(dir, 'diagnostics', `${step}.json`), 'utf8')) as DiagFile;
const mocoDirs = dirs.filter((d) => /mocov2-seed\d$/.test(d));

test('stepOf: the newest diagnostics at or before a step', () => {
  const [r] = collapseRuns(dirs.slice(0, 1));
  assert.deepEqual(
    r.steps.map((s) => s.step),
    [0, 10, 20, 30],
  );
  assert.equal(stepOf(r, 15)?.step, 10);
  assert.equal(stepOf(r, -1), undefined);
});

test('spectrumBand: mean, lowest and highest σ_k over the three MoCo v2 seeds, from the files', () => {
  const [moco] = seedGroups(collapseRuns(dirs));
  assert.equal(moco.name, 'seeds-mocov2');
  const b = spectrumBand(moco.runs, 30, 'layer3')!;
  assert.equal(b.n, 3);
  const sv = mocoDirs.map((d) => diag(d, 30).layers.layer3.eigenvalues.map((l) => Math.sqrt(Math.max(l, 0))));
  for (const k of [0, 1, 5, 20]) {
    const v = sv.map((s) => s[k]);
    assert.ok(Math.abs(b.mean[k] - (v[0] + v[1] + v[2]) / 3) <= 1e-12 * v[0], `k=${k}`);
    assert.equal(b.lo[k], Math.min(...v));
    assert.equal(b.hi[k], Math.max(...v));
  }
  assert.ok(b.lo.every((lo, k) => lo <= b.mean[k] && b.mean[k] <= b.hi[k]));
});

test('rankOverTime and layerSummary: RankMe mean ± sample sd over the seeds, from the files', () => {
  const [moco, method] = seedGroups(collapseRuns(dirs));
  const a = rankOverTime(method.runs, 'representation');
  assert.deepEqual(a.steps, [0, 10, 20, 30]);
  const methodDirs = dirs.filter((d) => /method-seed\d$/.test(d));
  const r = methodDirs.map((d) => diag(d, 20).layers.representation.rankMe);
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(a.mean[2] - mean) < 1e-12);
  assert.ok(Math.abs(a.sd[2] - sd) < 1e-12);
  const s = layerSummary(method.runs, 20, 'representation')!;
  assert.ok(Math.abs(s.rankMe.mean - mean) < 1e-12);
  assert.equal(s.rankMe.n, 3);
  assert.equal(s.verdicts.length, 3);
  // step 0 is the initialised encoder: the seeds differ there too (each seed draws its own weights)
  assert.ok(rankOverTime(moco.runs, 'embedding').sd[0] > 0);
  const top1 = mocoDirs.map((d) => diag(d, 30).top1);
  assert.ok(Math.abs(extrasSummary(moco.runs, 30)!.top1.mean - (top1[0] + top1[1] + top1[2]) / 3) < 1e-12);
});

test('verdictSummary: one verdict for all seeds, or each counted with the worst leading', () => {
  const sp = (rankMe: number, dims99: number): SpectrumPayload => ({
    dim: 64,
    samples: 200,
    rankMe,
    effectiveRank: rankMe / 2,
    dims99,
    stdSqrtD: 1,
    eigenvalues: new Float64Array(64).buffer,
  });
  const run = (runId: string, p: SpectrumPayload) => ({
    runId,
    name: runId,
    status: 'completed',
    differs: [],
    steps: [
      {
        step: 5,
        epoch: 1,
        representation: p,
        embedding: p,
        layers: { representation: p, embedding: p },
        alignment: 0,
        uniformity: 0,
        top1: 0,
      },
    ],
  });
  const same = layerSummary([run('a', sp(50, 60)), run('b', sp(48, 60))], 5, 'representation')!;
  assert.deepEqual(verdictSummary(same).cls, 'ok');
  assert.match(verdictSummary(same).text, /^all 2 seeds: spread/);
  const mixed = layerSummary([run('a', sp(50, 60)), run('b', sp(1.2, 3)), run('c', sp(20, 40))], 5, 'representation')!;
  const v = verdictSummary(mixed);
  assert.equal(v.cls, 'bad');
  assert.match(v.text, /^1 of 3 seeds collapsed.*; 1 of 3 seeds partly collapsed.*; 1 of 3 seeds spread/);
});
