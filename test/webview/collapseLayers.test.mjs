// The Collapse panel's layer selector in headless Chromium, fed two recorded phantom runs with per-layer
// diagnostics (test/fixtures/runs/*-layers-*: MoCo v2, and the method with whitening before the pool).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshot, usePanelSuite } from './harness.mjs';
import { canvasFingerprint, LAYERS_METHOD_RUN, LAYERS_MOCO_RUN, METHOD_RUN, postBinary, runData } from './runFixtures.mjs';

const diag = (dir, step) => JSON.parse(fs.readFileSync(path.join(dir, 'diagnostics', `${step}.json`), 'utf8'));
const MOCO = path.basename(LAYERS_MOCO_RUN);
const METHOD = path.basename(LAYERS_METHOD_RUN);
const NETWORK_ORDER = [
  'layer1',
  'layer2',
  'layer3',
  'lastNorm.in',
  'lastNorm.out',
  'layer4',
  'beforePool.in',
  'beforePool.out',
  'representation',
  'embedding',
];

const suite = usePanelSuite('collapse');

async function openWithRuns(opts = {}) {
  const r = await suite.open({ width: 1100, height: 900, ...opts });
  await postBinary(r.page, { type: 'collapse', runs: runData.collapseRuns([LAYERS_MOCO_RUN, LAYERS_METHOD_RUN]) });
  await r.page.waitForSelector('[data-testid="chart-rank"] canvas');
  return r;
}

/** Chooses a layer the way a user does: opens the dropdown and clicks the option. */
async function chooseLayer(page, name) {
  await page.locator('[data-testid="layer-select"]').click();
  await page
    .locator(`[data-testid="layer-select"] >> li.option:has-text("${label(name)}")`)
    .first()
    .click();
  await page.waitForFunction((l) => document.getElementById('app').dataset.layer === l, name);
}

const TITLES = { 'lastNorm.out': 'last norm out', 'beforePool.in': 'whitening in' };
const label = (n) => `${TITLES[n] ?? n}: `;

describe('Collapse panel: layers', () => {
  it('the host sends every layer of each run, from step 0', () => {
    const [moco, method] = runData.collapseRuns([LAYERS_MOCO_RUN, LAYERS_METHOD_RUN]);
    assert.deepEqual(
      moco.steps.map((s) => s.step),
      [0, 10, 20],
    );
    assert.deepEqual(Object.keys(method.steps[0].layers), NETWORK_ORDER);
    assert.deepEqual(
      Object.keys(moco.steps[0].layers),
      NETWORK_ORDER.filter((n) => !n.startsWith('beforePool')),
    );
  });

  it("the selector lists the layers in network order, defaults to the representation, and the view is today's", async () => {
    const { page, context, problems } = await openWithRuns();
    assert.equal(await page.locator('#app').getAttribute('data-layer'), 'representation');
    const values = await page
      .locator('[data-testid="layer-select"] vscode-option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.deepEqual(values, NETWORK_ORDER);
    assert.equal(await page.locator('[data-testid="layer-select"]').evaluate((s) => s.value), 'representation');
    assert.equal(await page.locator('canvas').count(), 3);
    assert.match(await page.locator('[data-testid="help"]').innerText(), /pooled over H and W/);
    assert.match(await page.locator('[data-testid="help"]').innerText(), /RankMe/);
    // each card lists RankMe by layer at the shown step, in network order
    const rows = await page.locator(`[data-testid="profile-${METHOD}"] tr`).evaluateAll((rs) => rs.map((r) => r.dataset.layer));
    assert.deepEqual(rows, NETWORK_ORDER);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('choosing a layer shows its spectrum, reading and rank over time; the choice survives a reload', async () => {
    const { page, context } = await openWithRuns();
    const before = await canvasFingerprint(page, '[data-testid="chart-rank"] canvas');
    await chooseLayer(page, 'layer3');
    const d = diag(LAYERS_METHOD_RUN, 20).layers.layer3;
    const t = await page.locator(`[data-testid="reading-${METHOD}-layer3"]`).innerText();
    assert.match(t, new RegExp(`${d.dims99} of ${d.dim} dimensions hold 99% of the variance`));
    assert.match(t, new RegExp(`Effective rank \\(RankMe\\) ${Number(d.rankMe.toPrecision(3))} of ${d.dim}`));
    assert.equal(await page.locator('[data-testid="chart-layer3"] canvas').count(), 1);
    assert.match(await page.locator('[data-testid="caption-layer"]').innerText(), /^layer3 spectrum/);
    const after = await canvasFingerprint(page, '[data-testid="chart-rank"] canvas');
    assert.notEqual(after.hash, before.hash, 'the rank over time was redrawn for layer3');
    // step 0: the initialised encoder
    await page.locator('[data-testid="step-slider"]').fill('0');
    await page.waitForFunction(() => document.getElementById('app').dataset.step === '0');
    const d0 = diag(LAYERS_MOCO_RUN, 0).layers.layer3;
    assert.equal(await page.locator(`[data-testid="reading-${MOCO}-layer3"]`).getAttribute('data-erank'), String(d0.rankMe));
    const saved = await page.evaluate(() => window.__state);
    assert.equal(saved.layer, 'layer3');
    await context.close();
    const again = await openWithRuns({ state: saved });
    assert.equal(await again.page.locator('#app').getAttribute('data-layer'), 'layer3');
    await again.context.close();
  });

  it('a layer only one run has: the other card says so; a row of the by-layer table chooses its layer', async () => {
    const { page, context } = await openWithRuns();
    await chooseLayer(page, 'beforePool.in');
    assert.match(await page.locator(`[data-testid="missing-${MOCO}-beforePool.in"]`).innerText(), /not in this run's diagnostics/);
    assert.equal(await page.locator(`[data-testid="reading-${METHOD}-beforePool.in"]`).count(), 1);
    await page.locator(`[data-testid="profile-${MOCO}"] tr[data-layer="lastNorm.out"]`).click();
    await page.waitForFunction(() => document.getElementById('app').dataset.layer === 'lastNorm.out');
    assert.equal(await page.locator('[data-testid="layer-select"]').evaluate((s) => s.value), 'lastNorm.out');
    // the arrow keys in the dropdown move through the layers, not through the steps
    const stepBefore = await page.locator('#app').getAttribute('data-step');
    await page.locator('[data-testid="layer-select"]').focus();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'VSCODE-SINGLE-SELECT');
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(100);
    assert.equal(await page.locator('#app').getAttribute('data-step'), stepBefore);
    await page.keyboard.press('Escape');
    // the embedding alone: one spectrum chart and the rank chart
    await chooseLayer(page, 'embedding');
    assert.equal(await page.locator('canvas').count(), 2);
    assert.equal(await page.locator(`[data-testid="reading-${METHOD}-embedding"]`).count(), 1);
    await context.close();
  });

  it('runs recorded before per-layer diagnostics: the representation and the embedding only, no by-layer table', async () => {
    const { page, context } = await suite.open({ width: 1100, height: 900, state: { stepIndex: -1, hidden: [], layer: 'layer3' } });
    await postBinary(page, { type: 'collapse', runs: runData.collapseRuns([METHOD_RUN]) });
    await page.waitForSelector('[data-testid="chart-rank"] canvas');
    assert.equal(await page.locator('#app').getAttribute('data-layer'), 'representation');
    const values = await page
      .locator('[data-testid="layer-select"] vscode-option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.deepEqual(values, ['representation', 'embedding']);
    assert.equal(await page.locator('[data-testid^="profile-"]').count(), 0);
    await context.close();
  });

  for (const theme of ['light', 'dark']) {
    it(`screenshots: collapse-layers-${theme} (last norm output chosen) and the open selector`, async () => {
      const { page, context, problems } = await openWithRuns({ theme });
      await chooseLayer(page, 'lastNorm.out');
      await page.waitForTimeout(200);
      await screenshot(page, `collapse-layers-${theme}`);
      await page.locator('[data-testid="layer-select"]').click();
      await page.waitForTimeout(200);
      await screenshot(page, `collapse-layers-open-${theme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
