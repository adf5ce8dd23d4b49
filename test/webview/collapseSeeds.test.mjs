// The Collapse panel's seed aggregate in headless Chromium, fed the recorded seeds fixture (two ablation
// rows × seeds 0, 1, 2; test/fixtures/runs/seeds) by the host's own code: one card per variant with
// RankMe and the readings as mean ± sd over its seeds (checked against the diagnostics files), the spectra's
// seed band, layers and steps, and the switch back to every run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshotEveryTheme, usePanelSuite } from './harness.mjs';
import { bandPixels, meanAndSd, postBinary, runData, SEED_METHOD_RUNS, SEED_MOCO_RUNS, SEED_RUNS } from './runFixtures.mjs';

const diag = (dir, step) => JSON.parse(fs.readFileSync(path.join(dir, 'diagnostics', `${step}.json`), 'utf8'));
const MOCO = SEED_MOCO_RUNS;
const METHOD = SEED_METHOD_RUNS;
const stats = meanAndSd;
const near = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

const suite = usePanelSuite('collapse');

async function openWithSeeds(opts = {}) {
  const r = await suite.open({ width: 1200, height: 1000, ...opts });
  await postBinary(r.page, { type: 'collapse', runs: runData.collapseRuns(SEED_RUNS) });
  await r.page.waitForSelector('[data-testid="chart-rank"] canvas');
  return r;
}

async function reading(page, key, layer) {
  const el = page.locator(`[data-testid="reading-${key}-${layer}"]`);
  return {
    mean: Number(await el.getAttribute('data-erank')),
    sd: Number(await el.getAttribute('data-erank-sd')),
    n: await el.getAttribute('data-n'),
    text: await el.innerText(),
  };
}

describe('Collapse panel: seeds of a variant', () => {
  it('one card per variant: RankMe mean ± sd over its seeds at the newest step, as the files give it', async () => {
    const { page, context, problems } = await openWithSeeds();
    const cards = await page.locator('[data-testid="cards"] > section').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(cards, ['card-seeds:seeds-mocov2', 'card-seeds:seeds-method']);
    for (const [key, dirs] of [
      ['seeds:seeds-mocov2', MOCO],
      ['seeds:seeds-method', METHOD],
    ])
      for (const layer of ['representation', 'embedding']) {
        const want = stats(dirs.map((d) => diag(d, 30)[layer].rankMe));
        const got = await reading(page, key, layer);
        near(got.mean, want.mean, `${key} ${layer} mean`);
        near(got.sd, want.sd, `${key} ${layer} sd`);
        assert.equal(got.n, '3');
        assert.match(got.text, new RegExp(`RankMe\\) ${Number(want.mean.toPrecision(3))} ± ${Number(want.sd.toPrecision(3))} of`));
      }
    assert.match(await page.locator('[data-testid="seed-steps-seeds:seeds-method"]').innerText(), /step 30 of every seed/);
    // every seed's verdict is counted
    assert.match(await page.locator('[data-testid="verdict-seeds:seeds-mocov2-representation"]').innerText(), /(all 3 seeds|of 3 seeds)/);
    assert.match(await page.locator('[data-testid="caption-layer"]').innerText(), /band from the lowest to the highest seed/);
    assert.match(await page.locator('[data-testid="caption-rank"]').innerText(), /band ± 1 sd/);
    assert.ok((await bandPixels(page, 'embedding')) > 300, 'the seed band of the embedding spectrum');
    assert.ok((await bandPixels(page, 'rank')) > 300, 'the ± sd band of RankMe over time');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('the layer table is mean ± sd per layer; a row chooses the layer; the slider goes back to step 0', async () => {
    const { page, context } = await openWithSeeds();
    const row = page.locator('[data-testid="profile-seeds:seeds-method"] tr[data-layer="layer3"]');
    const want = stats(METHOD.map((d) => diag(d, 30).layers.layer3.rankMe));
    assert.match(await row.innerText(), new RegExp(`${Number(want.mean.toPrecision(3))} ± ${Number(want.sd.toPrecision(3))}`));
    await row.click();
    await page.waitForFunction(() => document.getElementById('app').dataset.layer === 'layer3');
    near((await reading(page, 'seeds:seeds-method', 'layer3')).mean, want.mean, 'layer3 reading');
    await page.locator('[data-testid="step-slider"]').fill('0');
    await page.waitForFunction(() => document.getElementById('app').dataset.step === '0');
    const at0 = stats(MOCO.map((d) => diag(d, 0).layers.layer3.rankMe));
    const got = await reading(page, 'seeds:seeds-mocov2', 'layer3');
    near(got.mean, at0.mean, 'step 0 mean');
    near(got.sd, at0.sd, 'step 0 sd');
    await context.close();
  });

  it('the switch shows every run on its own card again, without bands; it is remembered', async () => {
    const { page, context } = await openWithSeeds();
    const on = await bandPixels(page, 'rank');
    await page.locator('[data-testid="by-seed"]').click();
    await page.waitForFunction(() => window.__state?.bySeed === false);
    const cards = await page.locator('[data-testid="cards"] > section').evaluateAll((els) => els.map((e) => e.dataset.testid));
    assert.deepEqual(
      cards,
      SEED_RUNS.map((d) => `card-${path.basename(d)}`),
    );
    const id = path.basename(METHOD[1]);
    near(
      Number(await page.locator(`[data-testid="reading-${id}-representation"]`).getAttribute('data-erank')),
      diag(METHOD[1], 30).representation.rankMe,
      id,
    );
    const off = await bandPixels(page, 'rank');
    assert.ok(on > 20 * off, `no band for single runs: ${off} band-alpha pixels (line edges), ${on} with seeds together`);
    await context.close();
  });

  screenshotEveryTheme('collapse-seeds', openWithSeeds);
});
