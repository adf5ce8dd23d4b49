// The Overlays panel (webview/overlays) in headless Chromium, fed the linear-evaluation overlays of a
// recorded phantom run (test/fixtures/runs/<method run>/overlays/linear, read by the host's own code).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshot, usePanelSuite } from './harness.mjs';
import { countColor, METHOD_RUN, postBinary, runData } from './runFixtures.mjs';

const index = JSON.parse(fs.readFileSync(path.join(METHOD_RUN, 'overlays', 'linear', 'index.json'), 'utf8'));
const metrics = JSON.parse(fs.readFileSync(path.join(METHOD_RUN, 'metrics.json'), 'utf8')).linear;
const LIVER = [230, 25, 75];
const FP = [255, 64, 64];
const FN = [64, 160, 255];
const VIEW = '[data-testid="view"]';
const d3 = (v) => (v === null ? '—' : String(Number(v.toPrecision(3))));

const suite = usePanelSuite('overlays');

async function open(opts = {}) {
  const r = await suite.open({ width: 1100, height: 700, ...opts });
  await postBinary(r.page, { type: 'overlays', overlays: runData.readOverlays(METHOD_RUN) });
  await r.page.waitForSelector(VIEW);
  return r;
}
const shown = (page) => page.evaluate(() => document.getElementById('app').dataset.slice);

describe('Overlays panel', () => {
  it('shows the cases, the case Dice of metrics.json and the slice Dice of index.json', async () => {
    const { page, context, problems } = await open();
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
    const cases = [...new Set(index.slices.map((s) => s.caseId))];
    assert.deepEqual(await page.locator('[data-testid="case"] option').allInnerTexts(), cases);
    const [caseId, z] = (await shown(page)).split('/');
    const slice = index.slices.find((s) => s.caseId === caseId && s.z === Number(z));
    const cm = metrics.cases.find((c) => c.caseId === caseId);
    for (let c = 1; c < index.numClasses; c++) {
      assert.equal(
        await page.locator(`[data-testid="case-dice-${c}"]`).innerText(),
        d3(cm.perClass[c]),
        `case Dice of ${index.classNames[c]}`,
      );
      assert.equal(
        await page.locator(`[data-testid="slice-dice-${c}"]`).innerText(),
        d3(slice.dice[c]),
        `slice Dice of ${index.classNames[c]}`,
      );
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('without ground truth (medssl predict): the prediction alone, no truth or difference view, no Dice', async () => {
    const { page, context, problems } = await suite.open({ width: 1100, height: 700, state: { mode: 'difference' } });
    const ov = runData.readOverlays(METHOD_RUN);
    await postBinary(page, { type: 'overlays', overlays: { ...ov, tag: 'finetune prediction', groundTruth: false, caseDice: [] } });
    await page.waitForSelector('[data-testid="no-truth"]');
    assert.deepEqual(await page.locator('[data-testid="mode"] option').allInnerTexts(), ['Prediction']);
    assert.equal(await page.locator('[data-testid="case-dice-1"]').count(), 0);
    assert.equal(await page.locator('[data-testid="diff-key"]').count(), 0, 'a saved difference mode falls back to the prediction');
    assert.match(await page.locator('header').innerText(), /finetune prediction$/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('jumps to the worst slice of a class; hiding the class removes its colour; difference shows FP and FN', async () => {
    let { page, context } = await open();
    const w = index.worstSlicePerClass[1];
    await page.locator('[data-testid="worst-1"]').click();
    assert.equal(await shown(page), `${index.slices[w].caseId}/${index.slices[w].z}`);
    await context.close();
    // a slice where the liver is in the ground truth and the prediction, opened as a restored panel
    const best = index.slices.reduce((a, s) => ((s.dice[1] ?? -1) > (a.dice[1] ?? -1) ? s : a));
    ({ page, context } = await open({ state: { caseId: best.caseId, z: best.z, opacity: 1, mode: 'truth', outline: false, hidden: [] } }));
    assert.equal(await shown(page), `${best.caseId}/${best.z}`);
    const liver = await countColor(page, VIEW, LIVER, 4);
    assert.ok(liver > 0, 'liver (ground truth) is drawn in its colour');
    await page.locator('[data-testid="class-1"]').uncheck();
    assert.equal(await countColor(page, VIEW, LIVER, 4), 0, 'hidden: no liver colour left');
    await page.locator('[data-testid="class-1"]').check();
    await page.locator('[data-testid="outline"]').check();
    const outlined = await countColor(page, VIEW, LIVER, 4);
    assert.ok(outlined > 0 && outlined < liver, `outline draws fewer pixels than fill (${outlined} < ${liver})`);
    await page.locator('[data-testid="outline"]').uncheck();
    await page.locator('[data-testid="mode"]').selectOption('difference');
    await page.waitForSelector('[data-testid="diff-key"]');
    const fp = await countColor(page, VIEW, FP, 4);
    const fn = await countColor(page, VIEW, FN, 4);
    assert.ok(fp + fn > 0, `false positives (${fp}) or false negatives (${fn}) drawn`);
    assert.equal(await countColor(page, VIEW, LIVER, 4), 0, 'difference mode draws no class colours');
    await context.close();
  });

  it('wheel and arrow keys move through the slices of the case; the choice survives a reload', async () => {
    const { page, context } = await open();
    const caseId = index.slices[0].caseId;
    const zs = index.slices.filter((s) => s.caseId === caseId).map((s) => s.z);
    await page.locator('[data-testid="case"]').selectOption(caseId);
    const start = Number((await shown(page)).split('/')[1]);
    await page.locator(VIEW).hover();
    await page.mouse.wheel(0, 100);
    await page.waitForFunction((s) => document.getElementById('app').dataset.slice !== s, `${caseId}/${start}`);
    assert.equal(await shown(page), `${caseId}/${zs[zs.indexOf(start) + 1]}`);
    await page.locator(VIEW).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await shown(page), `${caseId}/${zs[zs.indexOf(start) - 1]}`);
    const saved = await page.evaluate(() => window.__state);
    assert.deepEqual(saved.dirs, [METHOD_RUN]);
    await context.close();
    const again = await suite.open({ width: 1100, height: 700, state: saved });
    await postBinary(again.page, { type: 'overlays', overlays: runData.readOverlays(METHOD_RUN) });
    await again.page.waitForSelector(VIEW);
    assert.equal(await shown(again.page), `${caseId}/${zs[zs.indexOf(start) - 1]}`);
    await again.context.close();
  });

  for (const theme of ['light', 'dark', 'hc']) {
    it(`screenshot (${theme})`, async () => {
      const { page, context, problems } = await open({ theme });
      await page.locator('[data-testid="worst-1"]').click();
      await screenshot(page, `overlays-${theme}`);
      await page.locator('[data-testid="mode"]').selectOption('difference');
      await screenshot(page, `overlays-difference-${theme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
