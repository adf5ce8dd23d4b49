// The Collapse panel (webview/collapse) in headless Chromium, fed the diagnostics of two recorded phantom
// runs (test/fixtures/runs): the full method and MoCo v2 (local loss and whitening off), side by side.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshotEveryTheme, usePanelSuite } from './harness.mjs';
import { canvasFingerprint, METHOD_RUN, MOCO_RUN, postBinary, runData } from './runFixtures.mjs';

const diag = (dir, step) => JSON.parse(fs.readFileSync(path.join(dir, 'diagnostics', `${step}.json`), 'utf8'));
const steps = (dir) =>
  fs
    .readdirSync(path.join(dir, 'diagnostics'))
    .map((f) => Number(f.replace('.json', '')))
    .sort((a, b) => a - b);

const suite = usePanelSuite('collapse');

async function openWithRuns(opts = {}) {
  const r = await suite.open({ width: 1100, height: 900, ...opts });
  const runs = runData.collapseRuns([MOCO_RUN, METHOD_RUN]);
  await postBinary(r.page, { type: 'collapse', runs });
  await r.page.waitForSelector('[data-testid="chart-rank"] canvas');
  return { ...r, runs };
}

describe('Collapse panel', () => {
  it('builds the message from the run folders: both runs, every step, the differing config values', () => {
    const runs = runData.collapseRuns([MOCO_RUN, METHOD_RUN]);
    assert.deepEqual(
      runs.map((r) => r.name),
      ['smoke-mocov2', 'smoke'],
    );
    assert.deepEqual(
      runs[0].steps.map((s) => s.step),
      steps(MOCO_RUN),
    );
    assert.ok(
      runs[1].differs.includes('ssl.local.enabled=true') && runs[0].differs.includes('model.whitening.enabled=false'),
      runs[1].differs.join(', '),
    );
    assert.ok(runs[0].steps[0].representation.eigenvalues instanceof ArrayBuffer, 'eigenvalues travel as an ArrayBuffer');
    assert.equal(runs[0].steps[0].representation.eigenvalues.byteLength, 8 * diag(MOCO_RUN, runs[0].steps[0].step).representation.dim);
  });

  it('tells the host it is ready, then shows the newest step with the plain-language reading of each run', async () => {
    const { page, context, problems } = await openWithRuns();
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
    const last = steps(METHOD_RUN).at(-1);
    assert.match(await page.locator('[data-testid="step-label"]').innerText(), new RegExp(`step ${last}\\b`));
    for (const [dir, id] of [
      [METHOD_RUN, path.basename(METHOD_RUN)],
      [MOCO_RUN, path.basename(MOCO_RUN)],
    ]) {
      const d = diag(dir, last);
      for (const which of ['representation', 'embedding']) {
        const t = await page.locator(`[data-testid="reading-${id}-${which}"]`).innerText();
        assert.match(t, new RegExp(`${d[which].dims99} of ${d[which].dim} dimensions hold 99% of the variance`));
        // the recorded diagnostics predate the rankMe field: the host derives it from the eigenvalues
        const rm = runData.collapseRuns([dir])[0].steps.find((s) => s.step === last)[which].rankMe;
        assert.match(
          t,
          new RegExp(
            `Effective rank \\(RankMe\\) ${Number(rm.toPrecision(3))} of ${d[which].dim}; eigenvalue form ${Number(d[which].effectiveRank.toPrecision(3))}`,
          ),
        );
      }
    }
    assert.match(await page.locator(`[data-testid="differs-${path.basename(MOCO_RUN)}"]`).innerText(), /ssl\.local\.enabled=false/);
    // two spectrum charts, each with a line per run; the rank chart
    assert.equal(await page.locator('canvas').count(), 3);
    assert.deepEqual(problems, [], 'no CSP violation, console error or failed request');
    await context.close();
  });

  it('the step slider moves every reading and redraws the spectra; the state survives a reload', async () => {
    const { page, context } = await openWithRuns();
    const first = steps(METHOD_RUN)[0];
    const before = await canvasFingerprint(page, '[data-testid="chart-representation"] canvas');
    await page.locator('[data-testid="step-slider"]').fill('0');
    await page.waitForFunction((s) => document.getElementById('app').dataset.step === String(s), first);
    const d = diag(METHOD_RUN, first);
    assert.match(
      await page.locator(`[data-testid="reading-${path.basename(METHOD_RUN)}-representation"]`).innerText(),
      new RegExp(`${d.representation.dims99} of ${d.representation.dim} dimensions`),
    );
    const afterFp = await canvasFingerprint(page, '[data-testid="chart-representation"] canvas');
    assert.notEqual(afterFp.hash, before.hash, 'the spectrum was redrawn for the other step');
    const saved = await page.evaluate(() => window.__state);
    assert.equal(saved.stepIndex, 0);
    assert.deepEqual(saved.dirs, [MOCO_RUN, METHOD_RUN]);
    await context.close();
    // reopened with that state (the panel was hidden, or the window reloaded): same step
    const again = await suite.open({ width: 1100, height: 900, state: saved });
    await postBinary(again.page, { type: 'collapse', runs: runData.collapseRuns([MOCO_RUN, METHOD_RUN]) });
    await again.page.waitForSelector('[data-testid="chart-rank"] canvas');
    assert.match(await again.page.locator('[data-testid="step-label"]').innerText(), new RegExp(`step ${first}\\b`));
    await again.context.close();
  });

  it('hiding a run removes its line and its card; play walks the steps', async () => {
    const { page, context } = await openWithRuns();
    const sel = '[data-testid="chart-embedding"] canvas';
    const both = await canvasFingerprint(page, sel);
    await page.locator(`[data-testid="show-${path.basename(MOCO_RUN)}"]`).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="card-"]').length === 1);
    const one = await canvasFingerprint(page, sel);
    assert.ok(one.ink < both.ink, `fewer pixels drawn with one run hidden (${one.ink} < ${both.ink})`);
    await page.locator(`[data-testid="show-${path.basename(MOCO_RUN)}"]`).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="card-"]').length === 2);
    await page.locator('[data-testid="play"]').click();
    const first = steps(METHOD_RUN)[0];
    await page.waitForFunction((s) => document.getElementById('app').dataset.step === String(s), first);
    const last = steps(METHOD_RUN).at(-1);
    await page.waitForFunction((s) => document.getElementById('app').dataset.step === String(s), last, { timeout: 5000 });
    await context.close();
  });

  it('appends a step that arrives while the job trains', async () => {
    const { page, context, runs } = await openWithRuns();
    const s = runs[1].steps.at(-1);
    const newStep = { ...s, step: s.step + 10, epoch: s.epoch + 1 };
    await postBinary(page, { type: 'collapseStep', runId: runs[1].runId, step: newStep });
    await page.waitForFunction((st) => document.getElementById('app').dataset.step === String(st), newStep.step);
    assert.match(await page.locator('[data-testid="step-label"]').innerText(), /\(3 of 3\)/);
    await context.close();
  });

  it('one diagnostics step so far: the rank chart ranges around it; the verdict follows the numbers', async () => {
    const { page, context } = await suite.open({ width: 1100, height: 900 });
    const runs = runData.collapseRuns([METHOD_RUN]).map((r) => ({ ...r, steps: r.steps.slice(0, 1) }));
    await postBinary(page, { type: 'collapse', runs });
    await page.waitForSelector('[data-testid="chart-rank"] .uplot');
    const first = runs[0].steps[0];
    const [x0, x1] = (await page.locator('[data-testid="chart-rank"] .uplot').getAttribute('data-x-range')).split(',').map(Number);
    assert.ok(x0 < first.step && first.step < x1 && x1 - x0 <= 2 * first.step, `step ${first.step}: ${x0}..${x1}`);
    const id = runs[0].runId;
    for (const which of ['representation', 'embedding']) {
      const sp = first[which];
      const m = Math.min(sp.dim, sp.samples - 1);
      const cls = await page.locator(`[data-testid="reading-${id}-${which}"]`).getAttribute('data-verdict');
      // the recorded 10-step runs: under half of what they can show in use, or over a quarter empty: not "spread"
      assert.ok(sp.rankMe < m / 2 || sp.dims99 < (3 * m) / 4, `${which}: fixture RankMe ${sp.rankMe}, dims99 ${sp.dims99} of ${m}`);
      assert.notEqual(cls, 'ok');
      assert.match(
        await page.locator(`[data-testid="verdict-${id}-${which}"]`).innerText(),
        new RegExp(`^(partly )?collapsed: (.*\\(effective rank under |\\d+ of \\d+ dimensions hold under 1%)`),
      );
      const limit = page.locator(`[data-testid="limit-${id}-${which}"]`);
      if (m < sp.dim) assert.equal(await limit.innerText(), `${sp.samples} samples show at most ${m} of the ${sp.dim} dimensions.`);
      else assert.equal(await limit.count(), 0);
    }
    await context.close();
  });

  screenshotEveryTheme('collapse', openWithRuns);
});
