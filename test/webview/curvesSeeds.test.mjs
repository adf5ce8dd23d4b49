// The Curves panel's seed aggregate in headless Chromium, fed the recorded seeds fixture (two ablation rows ×
// seeds 0, 1, 2; test/fixtures/runs/seeds) by the host's own code: one line per variant with mean ± sd
// over its seeds (checked against the events files), the band and the Dice whiskers drawn, the switch back to
// every run, live points, and the CSV.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshot, screenshotEveryTheme, usePanelSuite } from './harness.mjs';
import {
  bandPixels,
  canvasFingerprint,
  meanAndSd,
  postBinary,
  runData,
  SEED_METHOD_RUNS,
  SEED_MOCO_RUNS,
  SEED_RUNS,
} from './runFixtures.mjs';

/** Every value of a scalar in a run's events.jsonl, in file order. */
const readScalars = (dir, name) =>
  fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'scalar' && e.name === name);
/** The newest value of a scalar (the newest line wins for a repeated step). */
const lastOf = (dir, name) => readScalars(dir, name).at(-1);
const MOCO = SEED_MOCO_RUNS;
const METHOD = SEED_METHOD_RUNS;
const stats = meanAndSd;

const suite = usePanelSuite('curves');

async function openWithSeeds(opts = {}) {
  const r = await suite.open({ width: 1200, height: 900, ...opts });
  await postBinary(r.page, { type: 'curves', runs: runData.curvesRuns(SEED_RUNS).runs });
  await r.page.waitForSelector('[data-testid="chart-loss"] canvas');
  return r;
}

const cell = (page, group, name, key) => page.locator(`[data-testid="latest-${group}"] tr[data-name="${name}"][data-run="${key}"]`);

describe('Curves panel: seeds of a variant', () => {
  it('draws each variant once, mean ± sd over its seeds, as the events files give it', async () => {
    const { page, context, problems } = await openWithSeeds();
    const chips = await page.locator('[data-testid="legend"] .run-chip').evaluateAll((els) => els.map((e) => e.dataset.run));
    assert.deepEqual(chips, ['seeds:seeds-mocov2', 'seeds:seeds-method']);
    assert.equal(await page.locator('[data-testid="show-seeds:seeds-mocov2"]').getAttribute('label'), 'seeds-mocov2 · 3 seeds (0, 1, 2)');
    assert.match(await page.locator('[data-testid="differs-seeds:seeds-mocov2"]').innerText(), /ssl\.local\.enabled=false/);
    assert.doesNotMatch(await page.locator('[data-testid="differs-seeds:seeds-mocov2"]').innerText(), /seed=/);
    assert.equal(await page.locator('[data-testid="by-seed"]').getAttribute('checked'), '');
    for (const [group, name] of [
      ['dice', 'linear/dice/meanForeground'],
      ['loss', 'loss/total'],
      ['rank', 'diag/representation/rankMe'],
    ])
      for (const [key, dirs] of [
        ['seeds:seeds-mocov2', MOCO],
        ['seeds:seeds-method', METHOD],
      ]) {
        const want = stats(dirs.map((d) => lastOf(d, name).value));
        const row = cell(page, group, name, key);
        assert.equal(await row.getAttribute('data-n'), '3');
        // the panel writes the mean to 4 significant digits and the sd to 2
        const [mean, sd] = (await row.locator('[data-testid="latest"]').innerText()).split(' ± ').map(Number);
        assert.equal(mean, Number(want.mean.toPrecision(4)), `${key} ${name}: mean ${mean}, files ${want.mean}`);
        assert.equal(sd, Number(want.sd.toPrecision(2)), `${key} ${name}: sd ${sd}, files ${want.sd}`);
        assert.match(await row.innerText(), /3 of 3 seeds/);
      }
    assert.ok((await bandPixels(page, 'loss')) > 500, 'the ± sd band is filled on the losses');
    assert.ok((await bandPixels(page, 'throughput')) > 500, 'and on images/s');
    // the final Dice is one point per variant: its ± sd whisker edges are on the chart's y axis
    const [y0, y1] = (await page.locator('[data-testid="chart-dice"] .uplot').getAttribute('data-y-range')).split(',').map(Number);
    for (const dirs of [MOCO, METHOD]) {
      const d = stats(dirs.map((r) => lastOf(r, 'linear/dice/meanForeground').value));
      assert.ok(y0 <= d.mean - d.sd && d.mean + d.sd <= y1, `Dice ${d.mean} ± ${d.sd} within y ${y0}..${y1}`);
    }
    assert.match(await page.locator('[data-testid="seed-note"]').innerText(), /± one sample standard deviation/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('the switch shows every run again (and is remembered); hiding a variant hides its seeds', async () => {
    const { page, context } = await openWithSeeds();
    const bandOn = await bandPixels(page, 'throughput');
    await page.locator('[data-testid="by-seed"]').click();
    await page.waitForFunction(() => window.__state?.bySeed === false);
    const chips = await page.locator('[data-testid="legend"] .run-chip').evaluateAll((els) => els.map((e) => e.dataset.run));
    assert.deepEqual(
      chips,
      SEED_RUNS.map((d) => path.basename(d)),
    );
    for (const d of SEED_RUNS) {
      const v = lastOf(d, 'loss/total').value;
      const shown = Number(await cell(page, 'loss', 'loss/total', path.basename(d)).locator('[data-testid="latest"]').innerText());
      assert.ok(Math.abs(shown - v) <= 5e-4 * v, `${path.basename(d)}: ${shown} vs ${v}`);
    }
    const bandOff = await bandPixels(page, 'throughput');
    assert.ok(bandOn > 20 * bandOff, `no band for single runs: ${bandOff} band-alpha pixels (line edges), ${bandOn} with seeds together`);
    assert.equal(await page.locator('[data-testid="seed-note"]').count(), 0);
    await page.locator('[data-testid="by-seed"]').click();
    await page.waitForFunction(() => window.__state?.bySeed === true);
    const before = await canvasFingerprint(page, '[data-testid="chart-loss"] canvas');
    await page.locator('[data-testid="show-seeds:seeds-method"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="latest-loss"] tr[data-run="seeds:seeds-method"]'));
    const after = await canvasFingerprint(page, '[data-testid="chart-loss"] canvas');
    assert.ok(after.ink < before.ink, `fewer pixels with the method hidden (${after.ink} < ${before.ink})`);
    assert.deepEqual((await page.evaluate(() => window.__state)).hidden, ['seeds:seeds-method']);
    await context.close();
  });

  it('live points: the mean moves to a new step once every seed has reached it', async () => {
    const { page, context } = await openWithSeeds();
    const row = cell(page, 'loss', 'loss/total', 'seeds:seeds-mocov2');
    const post = (dir, value) =>
      page.evaluate((m) => window.postMessage(m, '*'), {
        type: 'curvesAppend',
        runId: path.basename(dir),
        points: [{ name: 'loss/total', step: 31, value }],
      });
    await post(MOCO[0], 1);
    await post(MOCO[1], 2);
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-loss"]') !== null);
    assert.match(await row.innerText(), /step 30 · 3 of 3 seeds/, 'two of three seeds at step 31: the table stays at 30');
    await post(MOCO[2], 6);
    await page.waitForFunction(() =>
      /step 31/.test(
        document.querySelector('[data-testid="latest-loss"] tr[data-name="loss/total"][data-run="seeds:seeds-mocov2"]').textContent,
      ),
    );
    assert.equal(await row.locator('[data-testid="latest"]').innerText(), '3 ± 2.6');
    await context.close();
  });

  it('CSV: one row per variant, scalar and step with n, mean and sd of the raw values', async () => {
    const { page, context } = await openWithSeeds();
    await page.locator('[data-testid="export-csv"]').click();
    await page.waitForFunction(() => window.__posted.length >= 2);
    const csv = (await page.evaluate(() => window.__posted))[1];
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'variant,seeds,name,step,n,mean,sd');
    const dice = lines.filter((l) => l.startsWith('seeds-method,0 1 2,linear/dice/meanForeground,'));
    assert.equal(dice.length, 1);
    const [, , , step, n, mean, sd] = dice[0].split(',');
    const want = stats(METHOD.map((d) => lastOf(d, 'linear/dice/meanForeground').value));
    assert.equal(Number(step), lastOf(METHOD[0], 'linear/dice/meanForeground').step);
    assert.equal(n, '3');
    assert.ok(Math.abs(Number(mean) - want.mean) < 1e-12 && Math.abs(Number(sd) - want.sd) < 1e-12);
    await context.close();
  });

  it('a seed still training: the tables stay at the step every seed has reached; the rest is drawn as a partial line', async () => {
    const { page, context, problems } = await suite.open({ width: 1200, height: 900 });
    const runs = runData.curvesRuns(SEED_RUNS).runs.map((r) => {
      if (path.basename(METHOD[2]) !== r.runId) return r;
      const cut = (s) => {
        const steps = new Float64Array(s.steps);
        const keep = steps.filter((st) => st <= 15).length;
        return { name: s.name, steps: steps.slice(0, keep).buffer, values: new Float64Array(s.values).slice(0, keep).buffer };
      };
      return { ...r, status: 'running', series: r.series.filter((s) => !s.name.startsWith('linear/')).map(cut) };
    });
    await postBinary(page, { type: 'curves', runs });
    await page.waitForSelector('[data-testid="chart-loss"] canvas');
    const row = cell(page, 'loss', 'loss/total', 'seeds:seeds-method');
    assert.match(await row.innerText(), /step 15 · 3 of 3 seeds/);
    const want = stats(METHOD.map((d) => readScalars(d, 'loss/total').find((e) => e.step === 15).value));
    assert.equal(Number((await row.locator('[data-testid="latest"]').innerText()).split(' ± ')[0]), Number(want.mean.toPrecision(4)));
    assert.equal(await page.locator('[data-testid="status-seeds:seeds-method"]').innerText(), 'running');
    // the method's Dice: two seeds so far
    assert.match(await cell(page, 'dice', 'linear/dice/meanForeground', 'seeds:seeds-method').innerText(), /2 of 3 seeds/);
    await screenshot(page, 'curves-seeds-running-light');
    assert.deepEqual(problems, []);
    await context.close();
  });

  screenshotEveryTheme('curves-seeds', openWithSeeds);
});
