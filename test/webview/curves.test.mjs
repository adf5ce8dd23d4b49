// The Curves panel (webview/curves) in headless Chromium, fed the scalars of two recorded phantom runs
// (test/fixtures/runs, read by the host's own code): groups, values, smoothing, log-y, hiding a run,
// live append within 250 ms, CSV and PNG export.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { screenshotEveryTheme, usePanelSuite } from './harness.mjs';
import { canvasFingerprint, METHOD_RUN, MOCO_RUN, postBinary, runData } from './runFixtures.mjs';

const scalars = (dir) =>
  fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'scalar');
const lastOf = (dir, name) =>
  scalars(dir)
    .filter((e) => e.name === name)
    .at(-1);

const suite = usePanelSuite('curves');

async function openWithRuns(opts = {}) {
  const r = await suite.open({ width: 1200, height: 900, ...opts });
  const { runs } = runData.curvesRuns([MOCO_RUN, METHOD_RUN]);
  await postBinary(r.page, { type: 'curves', runs });
  await r.page.waitForSelector('[data-testid="chart-loss"] canvas');
  return { ...r, runs };
}

const methodId = path.basename(METHOD_RUN);
const mocoId = path.basename(MOCO_RUN);

describe('Curves panel', () => {
  it('groups every scalar and shows each latest value of the fixture', async () => {
    const { page, context, problems } = await openWithRuns();
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
    const groups = await page.locator('section.group').evaluateAll((els) => els.map((e) => e.dataset.group));
    for (const g of ['loss', 'lr', 'infonce', 'throughput', 'dice', 'rank', 'dims99', 'alignUniform', 'stdSqrtD'])
      assert.ok(groups.includes(g), `group ${g} shown (${groups})`);
    for (const [dir, id] of [
      [METHOD_RUN, methodId],
      [MOCO_RUN, mocoId],
    ]) {
      for (const [group, name] of [
        ['evalLoss', 'linear/loss'],
        ['loss', 'loss/total'],
        ['lr', 'lr'],
        ['infonce', 'infonce/top1'],
        ['throughput', 'images/s'],
        ['dice', 'linear/dice/meanForeground'],
        ['rank', 'diag/representation/effectiveRank'],
        ['dims99', 'diag/embedding/dims99'],
        ['alignUniform', 'diag/uniformity'],
        ['stdSqrtD', 'diag/representation/stdSqrtD'],
      ]) {
        const want = lastOf(dir, name);
        const cell = page.locator(`[data-testid="latest-${group}"] tr[data-name="${name}"][data-run="${id}"] [data-testid="latest"]`);
        const shown = Number(await cell.innerText());
        assert.ok(Math.abs(shown - want.value) <= 5e-4 * Math.abs(want.value), `${id} ${name}: shown ${shown}, fixture ${want.value}`);
      }
    }
    assert.match(
      await page.locator(`[data-testid="differs-${mocoId}"]`).innerText(),
      /model\.whitening\.enabled=false · ssl\.local\.enabled=false/,
    );
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('smoothing, log-y and hiding a run change what is drawn', async () => {
    const { page, context } = await openWithRuns();
    const sel = '[data-testid="chart-loss"] canvas';
    const a = await canvasFingerprint(page, sel);
    await page.locator('[data-testid="smoothing"]').fill('0');
    await page.waitForFunction(() => document.querySelector('[data-testid="smoothing-value"]').textContent === '0.00');
    const b = await canvasFingerprint(page, sel);
    assert.notEqual(a.hash, b.hash, 'smoothing redrew the losses');
    await page.locator('[data-testid="log-y"]').click();
    await page.waitForFunction(() => window.__state?.logY === true);
    const c = await canvasFingerprint(page, sel);
    assert.notEqual(b.hash, c.hash, 'log-y redrew the losses');
    await page.locator(`[data-testid="show-${mocoId}"]`).click();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="latest-loss"] tr[data-run="${id}"]`), mocoId);
    const d = await canvasFingerprint(page, sel);
    assert.ok(d.ink < c.ink, `fewer pixels with one run hidden (${d.ink} < ${c.ink})`);
    const st = await page.evaluate(() => window.__state);
    assert.equal(st.smoothing, 0);
    assert.deepEqual(st.hidden, [mocoId]);
    await context.close();
  });

  it('appends a live point within 250 ms', async () => {
    const { page, context } = await openWithRuns();
    const last = lastOf(METHOD_RUN, 'loss/total');
    const t0 = Date.now();
    await page.evaluate(
      (m) => {
        window.__appendedAt = undefined;
        const obs = new MutationObserver(() => {
          const cell = document.querySelector(
            `[data-testid="latest-loss"] tr[data-name="loss/total"][data-run="${m.runId}"] [data-testid="latest"]`,
          );
          if (cell && cell.textContent === '1.234' && window.__appendedAt === undefined)
            window.__appendedAt = performance.now() - window.__sentAt;
        });
        obs.observe(document.getElementById('app'), { subtree: true, childList: true, characterData: true });
        window.__sentAt = performance.now();
        window.postMessage(m, '*');
      },
      { type: 'curvesAppend', runId: methodId, points: [{ name: 'loss/total', step: last.step + 1, value: 1.234 }] },
    );
    await page.waitForFunction(() => window.__appendedAt !== undefined, null, { timeout: 2000 });
    const ms = await page.evaluate(() => window.__appendedAt);
    assert.ok(ms < 250, `shown ${ms.toFixed(1)} ms after the message`);
    assert.ok(Date.now() - t0 < 5000);
    await context.close();
  });

  it('exports CSV (every raw point) and PNG (bytes as an ArrayBuffer)', async () => {
    const { page, context } = await openWithRuns();
    await page.locator('[data-testid="export-csv"]').click();
    await page.locator('[data-testid="export-png"]').click();
    await page.waitForFunction(() => window.__posted.length >= 3);
    const [, csv, png] = await page.evaluate(() => window.__posted);
    assert.equal(csv.type, 'saveFile');
    const lines = csv.text.trim().split('\n');
    assert.equal(lines[0], 'run,name,step,value');
    assert.equal(lines.length - 1, scalars(METHOD_RUN).length + scalars(MOCO_RUN).length - 0 - dupes(METHOD_RUN) - dupes(MOCO_RUN));
    const lt = lastOf(METHOD_RUN, 'loss/total');
    assert.ok(lines.includes(`${methodId},loss/total,${lt.step},${lt.value}`));
    assert.equal(png.suggestedName, 'curves.png');
    assert.ok(png.bytes.arrayBuffer > 1000);
    assert.deepEqual(png.bytes.head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    await context.close();
  });

  it('a single point (Dice, once per evaluation) and a flat series get sensible axis ranges', async () => {
    const { page, context, problems } = await openWithRuns();
    const range = async (group, axis) =>
      (await page.locator(`[data-testid="chart-${group}"] .uplot`).getAttribute(`data-${axis}-range`)).split(',').map(Number);
    const diceStep = lastOf(METHOD_RUN, 'linear/dice/meanForeground').step;
    const [x0, x1] = await range('dice', 'x');
    assert.ok(
      x0 < diceStep && diceStep < x1 && x1 - x0 <= diceStep,
      `Dice at step ${diceStep}: x ${x0}..${x1} (it was 0..${2 * diceStep})`,
    );
    assert.deepEqual([x0, x1], [130, 230]);
    // a run whose only Dice scalar and only loss are one flat value
    const one = {
      ...runData.curvesRuns([METHOD_RUN]).runs[0],
      runId: 'flat',
      series: runData.toSeries([
        { name: 'linear/dice/meanForeground', step: 180, value: 0.5 },
        { name: 'loss/total', step: 1, value: 3 },
        { name: 'loss/total', step: 2, value: 3 },
      ]),
    };
    await postBinary(page, { type: 'curves', runs: [one] });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="legend"] .run-chip').length === 1);
    const near = (got, want) =>
      assert.ok(
        got.every((v, i) => Math.abs(v - want[i]) < 1e-9),
        `${got} ≉ ${want}`,
      );
    near(await range('dice', 'y'), [0.45, 0.55]);
    near(await range('loss', 'y'), [2.7, 3.3]);
    assert.deepEqual(await range('loss', 'x'), [1, 2]);
    // log y with nothing positive to draw (a counter that stayed 0): an empty decade, not an error
    const zeros = {
      ...one,
      runId: 'zeros',
      series: runData.toSeries([
        { name: 'local/skippedPairs', step: 1, value: 0 },
        { name: 'local/skippedPairs', step: 2, value: 0 },
      ]),
    };
    await postBinary(page, { type: 'curves', runs: [zeros] });
    await page.waitForSelector('[data-testid="chart-other"] .uplot');
    await page.locator('[data-testid="log-y"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-other"] .uplot')?.getAttribute('data-y-range') === '1,10');
    assert.deepEqual(problems, []);
    await context.close();
  });

  screenshotEveryTheme('curves', openWithRuns);
});

/** Points repeated at the same step (kept once: the newest). */
function dupes(dir) {
  const seen = new Set();
  let n = 0;
  for (const e of scalars(dir)) {
    const k = `${e.name}@${e.step}`;
    if (seen.has(k)) n++;
    seen.add(k);
  }
  return n;
}
