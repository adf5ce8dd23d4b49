import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demoCommand, demoConfigs } from '../../../src/cli/commands/demo';
import { main } from '../../../src/cli/main';
import { encodeOverlays } from '../../../src/core/eval/overlays';
import { htmlReport, svgLineChart } from '../../../src/core/report/html';
import { reportJson, reportMarkdown, summarizeRun } from '../../../src/core/report/summary';
import { createRun } from '../../../src/core/runs';
import { rankMe } from '../../../src/core/metrics/spectrum';
import { tinyConfig } from '../train/helpers';

function fakeRun(root: string, name: string, local: boolean, dice: number, rank: number): string {
  const c = tinyConfig((x) => {
    x.name = name;
    x.ssl.local.enabled = local;
    x.model.whitening.enabled = local;
  });
  const w = createRun(root, c, 'pretrain', { markFailedOnExit: false });
  for (let s = 1; s <= 5; s++) w.scalar(s, 0, 'loss/total', 6 - s * 0.3);
  w.writeJson(
    'diagnostics/5.json',
    {
      step: 5,
      representation: { eigenvalues: [0.5, 0.3, 0.1, 0], effectiveRank: rank, dims99: 3 },
      embedding: { eigenvalues: [0.6, 0.4], effectiveRank: rank - 0.5, dims99: 2 },
    },
    'diagnostics',
  );
  const dz = { z: 0, perClass: [1, dice, null], meanForeground: dice };
  const ov = encodeOverlays(
    [{ caseId: 'c1', z: 0, image: new Array(16).fill(0.5), truth: new Array(16).fill(1), pred: new Array(16).fill(1), dice: dz }],
    { width: 4, height: 4, numClasses: 3, classNames: ['background', 'a', 'b'], displayRange: [0, 1] },
  );
  w.writeBytes('overlays/linear/slices.bin', ov.data, 'overlays-data');
  w.writeJson('overlays/linear/index.json', ov.index, 'overlays');
  w.writeJson('metrics.json', { linear: { summary: { meanForeground: dice }, heldOutCases: ['c1'] } }, 'metrics');
  w.complete();
  return w.dir;
}

test('report: summary rows, Markdown and JSON tables, self-contained HTML (inline SVG + PNG, no external files)', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-report-'));
  const a = fakeRun(root, 'mocov2', false, 0.25, 3.5);
  const b = fakeRun(root, 'method', true, 0.4, 7.25);
  const rows = [summarizeRun(a), summarizeRun(b)];
  assert.deepEqual(
    rows.map((r) => [r.name, r.local, r.whitening, r.linearDice, r.effectiveRank, r.status]),
    [
      ['mocov2', false, 'off', 0.25, 3.5, 'completed'],
      ['method', true, 'zca', 0.4, 7.25, 'completed'],
    ],
  );
  // the fake diagnostics predate the rankMe field: derived from the eigenvalues
  const rm = rankMe([0.5, 0.3, 0.1, 0]);
  assert.deepEqual(
    rows.map((r) => r.rankMe),
    [rm, rm],
  );
  assert.ok(Math.abs(rm - 2.8558) < 1e-3, `${rm}`);
  const md = reportMarkdown(rows);
  assert.match(md, /RankMe \(repr\.\) \| eff\. rank, eigenvalue form \(repr\.\)/);
  assert.match(
    md,
    new RegExp(`\\| mocov2 \\| off \\| off \\| 0\\.250 \\| – \\| ${rm.toFixed(2).replace('.', '\\.')} \\| 3\\.50 \\| 3 \\| completed \\|`),
  );
  assert.match(md, /\| method \| on \| zca \| 0\.400 \|/);
  assert.equal(JSON.parse(reportJson(rows)).runs.length, 2);
  const html = htmlReport(rows, { title: 't' });
  assert.match(html, /<svg/);
  assert.match(html, /data:image\/png;base64,/);
  assert.doesNotMatch(html, /<script|src="(?!data:)|href="http/);
  // CLI: medssl report
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(
    await main(
      ['report', a, b, '--json'],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    0,
  );
  assert.equal(JSON.parse(out.join('\n')).runs[1].linearDice, 0.4);
  assert.equal(
    await main(
      ['report', path.join(root, 'nope')],
      () => {},
      (s) => err.push(s),
    ),
    2,
  );
  assert.match(err.join('\n'), /not a run folder/);
});

test('svg chart: handles empty series and a single point', () => {
  assert.match(svgLineChart([{ label: 'x', color: '#000', points: [] }], { title: 'T', xLabel: 'x', yLabel: 'y' }), /no data/);
  assert.match(svgLineChart([{ label: 'x', color: '#000', points: [[1, 2]] }], { title: 'T', xLabel: 'x', yLabel: 'y' }), /<circle/);
});

test('demo: the two configs differ only in the two switches; tiny demo runs end to end on cpu', async () => {
  const [m, f] = demoConfigs('small');
  assert.deepEqual(
    [m.ssl.local.enabled, m.model.whitening.enabled, f.ssl.local.enabled, f.model.whitening.enabled],
    [false, false, true, true],
  );
  assert.equal(m.ssl.queueSize % m.pretrain.batchSize, 0);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-demo-'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await demoCommand(
    { runsDir: root, size: 'tiny', backend: 'cpu' },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  assert.equal(code, 0, err.join('\n'));
  assert.match(out.join('\n'), /\| demo-mocov2 \| off \| off \|/);
  assert.match(out.join('\n'), /\| demo-method \| on \| iternorm \|/);
  const html = fs.readdirSync(root).filter((f) => f.endsWith('.html'));
  assert.equal(html.length, 1);
  // the Dice-per-class chart as a PNG beside it, named after it, and the HTML points at it
  const png = html[0].replace(/\.html$/, '-dice-per-class.png');
  assert.deepEqual([...fs.readFileSync(path.join(root, png)).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(fs.readFileSync(path.join(root, html[0]), 'utf8').includes(png));
  assert.match(out.join('\n'), new RegExp(`Dice-per-class chart: .*${png}`));
  const runs = fs.readdirSync(root).filter((f) => !f.endsWith('.html') && !f.endsWith('.png'));
  assert.equal(runs.length, 2);
  for (const r of runs) {
    const mj = JSON.parse(fs.readFileSync(path.join(root, r, 'metrics.json'), 'utf8'));
    assert.ok(mj.linear.cases.length >= 1);
    assert.equal(JSON.parse(fs.readFileSync(path.join(root, r, 'run.json'), 'utf8')).status, 'completed');
  }
  assert.match(err.join('\n'), /pretraining step/);
});
