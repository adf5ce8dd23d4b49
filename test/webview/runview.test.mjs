// The side view (webview/runview) in headless Chromium, at the width of a side bar, fed a recorded
// phantom run (test/fixtures/runs) as the host sends it: status, progress, two small curves, live append.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, openPanel, ROOT, screenshot, startServer } from './harness.mjs';
import { METHOD_RUN, postBinary, runData } from './runFixtures.mjs';

const events = fs.readFileSync(path.join(METHOD_RUN, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const lastProgress = events.filter((e) => e.type === 'progress').at(-1);
const lastLoss = events.filter((e) => e.type === 'scalar' && e.name === 'loss/total').at(-1);
const runJson = JSON.parse(fs.readFileSync(path.join(METHOD_RUN, 'run.json'), 'utf8'));

let browser;
let server;
let origin;
before(async () => {
  ({ server, origin } = await startServer());
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function open(theme = 'light') {
  const r = await openPanel(browser, origin, 'runview', { theme, width: 300, height: 520 });
  const run = runData.curvesRuns([METHOD_RUN]).runs[0];
  const p = { step: lastProgress.step, totalSteps: lastProgress.totalSteps, imagesPerSec: lastProgress.imagesPerSec, etaSec: lastProgress.etaSec };
  await postBinary(r.page, { type: 'runView', run, progress: p });
  await r.page.waitForSelector('[data-testid="small-0"] canvas');
  return r;
}

describe('Run side view', () => {
  it('says when no run is followed', async () => {
    const { page, context } = await openPanel(browser, origin, 'runview', { width: 300, height: 400 });
    await postBinary(page, { type: 'runView', run: null });
    assert.match(await page.locator('[data-testid="placeholder"]').innerText(), /No run selected/);
    await context.close();
  });

  it('shows the run, its status, progress and latest values, and appends live', async () => {
    const { page, context, problems } = await open();
    assert.equal(await page.locator('[data-testid="name"]').innerText(), runJson.name);
    assert.equal(await page.locator('[data-testid="status"]').innerText(), runJson.status);
    assert.match(await page.locator('[data-testid="progress-text"]').innerText(), new RegExp(`step ${lastProgress.step} of ${lastProgress.totalSteps}`));
    assert.equal(Number(await page.locator('[data-testid="latest-0"]').innerText()), Number(lastLoss.value.toPrecision(4)));
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'curvesAppend', runId: runJson.id, points: [{ name: 'loss/total', step: lastLoss.step + 1, value: 2.5 }], status: 'running' });
    await page.waitForFunction(() => document.querySelector('[data-testid="latest-0"]')?.textContent.trim() === '2.5');
    assert.equal(await page.locator('[data-testid="status"]').innerText(), 'running');
    assert.deepEqual(problems, []);
    await context.close();
  });

  for (const theme of ['light', 'dark', 'hc']) {
    it(`screenshot (${theme})`, async () => {
      const { page, context } = await open(theme);
      await screenshot(page, `runview-${theme}`);
      await context.close();
    });
  }
});
