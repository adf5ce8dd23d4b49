// The side view (webview/runview) in headless Chromium, at the width of a side bar, fed a recorded
// phantom run (test/fixtures/runs) as the host sends it: status, the current stage's progress
// (pretraining, then the linear evaluation), two small curves, live append, switching runs.
// The host's own code builds the messages (runData, StageProgressTracker) from the run's events cut at
// a point of its life, as if it were still running.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ROOT, screenshotEveryTheme, usePanelSuite } from './harness.mjs';
import { METHOD_RUN, MOCO_RUN, postBinary, runData } from './runFixtures.mjs';

const require = createRequire(import.meta.url);
const { StageProgressTracker } = require(path.join(ROOT, 'out', 'src', 'extension', 'panels', 'stageProgress.js'));

const events = fs
  .readFileSync(path.join(METHOD_RUN, 'events.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const lastProgress = events.filter((e) => e.type === 'progress').at(-1);
const lastLoss = events.filter((e) => e.type === 'scalar' && e.name === 'loss/total').at(-1);
const runJson = JSON.parse(fs.readFileSync(path.join(METHOD_RUN, 'run.json'), 'utf8'));
/** Index just after the n-th progress event of a stage (totalSteps) at `step`. */
const cutAt = (totalSteps, step) => events.findIndex((e) => e.type === 'progress' && e.totalSteps === totalSteps && e.step === step) + 1;
const PRETRAIN_STEPS = events.find((e) => e.type === 'progress').totalSteps;

const suite = usePanelSuite('runview');

/** The run as the host sends it when events.jsonl holds only `upTo` events and the run is still running. */
function runningMessage(upTo) {
  const cut = events.slice(0, upTo);
  const full = runData.curvesRuns([METHOD_RUN]).runs[0];
  const tracker = new StageProgressTracker(runJson.stage);
  tracker.add(cut);
  return {
    tracker,
    message: {
      type: 'runView',
      run: { ...full, status: 'running', series: runData.toSeries(runData.scalarPoints(cut)) },
      progress: tracker.current(),
    },
  };
}

async function open({ theme = 'light', ...opts } = {}) {
  const r = await suite.open({ theme, width: 300, height: 560, ...opts });
  const run = runData.curvesRuns([METHOD_RUN]).runs[0];
  const tracker = new StageProgressTracker(runJson.stage);
  tracker.add(events);
  await postBinary(r.page, { type: 'runView', run, progress: tracker.current() });
  await r.page.waitForSelector('[data-testid="small-0"] canvas');
  return r;
}

const text = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();
const progressValue = (page) => page.locator('[data-testid="progress"]').evaluate((el) => el.value);

describe('Run side view', () => {
  it('says when no run is followed', async () => {
    const { page, context } = await suite.open({ width: 300, height: 400 });
    await postBinary(page, { type: 'runView', run: null });
    assert.match(await text(page, 'placeholder'), /No run selected/);
    await context.close();
  });

  it('a finished run: status, the last stage complete with pretraining ticked, latest values; appends live', async () => {
    const { page, context, problems } = await open();
    assert.equal(await text(page, 'name'), runJson.name);
    assert.equal(await text(page, 'status'), runJson.status);
    assert.equal(await text(page, 'stage'), 'linear evaluation');
    assert.match(await text(page, 'stages-done'), /✓ pretraining/);
    assert.match(await text(page, 'progress-text'), new RegExp(`step ${lastProgress.step} of ${lastProgress.totalSteps}`));
    assert.equal(await progressValue(page), 100);
    assert.equal(Number(await text(page, 'latest-0')), Number(lastLoss.value.toPrecision(4)));
    // resumed: pretraining runs again (its progress first), and a new point arrives
    await postBinary(page, {
      type: 'runProgress',
      runId: runJson.id,
      progress: { step: lastLoss.step, totalSteps: PRETRAIN_STEPS, imagesPerSec: 1, etaSec: 1, stage: 'pretraining', stagesDone: [] },
    });
    await page.evaluate((m) => window.postMessage(m, '*'), {
      type: 'curvesAppend',
      runId: runJson.id,
      points: [{ name: 'loss/total', step: lastLoss.step + 1, value: 2.5 }],
      status: 'running',
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="latest-0"]')?.textContent.trim() === '2.5');
    assert.equal(await text(page, 'status'), 'running');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a running run: the bar follows pretraining, then starts again for the linear evaluation', async () => {
    const { page, context, problems } = await suite.open({ width: 300, height: 560 });
    const half = PRETRAIN_STEPS / 2;
    const { tracker, message } = runningMessage(cutAt(PRETRAIN_STEPS, half));
    await postBinary(page, message);
    await page.waitForSelector('[data-testid="stage"]');
    assert.equal(await text(page, 'stage'), 'pretraining');
    assert.equal(await page.locator('[data-testid="stages-done"]').count(), 0);
    assert.equal(await progressValue(page), 50);
    assert.match(await text(page, 'progress-text'), new RegExp(`^step ${half} of ${PRETRAIN_STEPS} · .* images/s · ETA `));
    // the tail: the rest of pretraining and half the evaluation arrive as the host posts them
    const evalTotal = lastProgress.totalSteps;
    tracker.add(events.slice(cutAt(PRETRAIN_STEPS, half), cutAt(evalTotal, evalTotal / 2)));
    await postBinary(page, { type: 'runProgress', runId: runJson.id, progress: tracker.current() });
    await page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.textContent === 'linear evaluation');
    assert.match(await text(page, 'stages-done'), /✓ pretraining/);
    assert.equal(await progressValue(page), 50, 'half of the evaluation, not 100% of pretraining');
    assert.match(await text(page, 'progress-text'), new RegExp(`^step ${evalTotal / 2} of ${evalTotal}`));
    // the small curves follow the stage: the evaluation's loss and Dice, not the pretraining's standing still
    const small = (i) => page.locator(`[data-testid="small-${i}"]`).locator('xpath=..').innerText();
    assert.match(await small(0), /^linear evaluation loss/);
    assert.match(await small(1), /^mean Dice \(linear\) — when the evaluation ends/);
    const evalLoss = events.slice(0, cutAt(evalTotal, evalTotal / 2)).filter((e) => e.type === 'scalar' && e.name === 'linear/loss');
    await page.evaluate((m) => window.postMessage(m, '*'), {
      type: 'curvesAppend',
      runId: runJson.id,
      points: evalLoss.map((e) => ({ name: e.name, step: e.step, value: e.value })),
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="latest-0"]') !== null);
    assert.equal(Number(await text(page, 'latest-0')), Number(evalLoss.at(-1).value.toPrecision(4)));
    // progress of another run (the view followed elsewhere meanwhile) is not shown
    await postBinary(page, { type: 'runProgress', runId: 'someone-else', progress: { ...tracker.current(), step: 1 } });
    await page.waitForTimeout(100);
    assert.equal(await progressValue(page), 50);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('follows another run when the host says so (the running one, or a new selection)', async () => {
    const { page, context } = await open();
    const other = runData.curvesRuns([MOCO_RUN]).runs[0];
    await postBinary(page, { type: 'runView', run: other });
    await page.waitForFunction((n) => document.querySelector('[data-testid="name"]')?.textContent === n, other.name);
    assert.equal(await text(page, 'run-id'), other.runId);
    assert.equal(await text(page, 'progress-text'), 'no progress yet');
    assert.deepEqual(await page.evaluate(() => window.__state), { runId: other.runId });
    await context.close();
  });

  it('a single point per curve: the axes get a range around it', async () => {
    const { page, context } = await suite.open({ width: 300, height: 560 });
    const { message } = runningMessage(cutAt(PRETRAIN_STEPS, 1));
    await postBinary(page, message);
    await page.waitForSelector('[data-testid="small-0"] .uplot');
    const xr = (await page.locator('[data-testid="small-0"] .uplot').getAttribute('data-x-range')).split(',').map(Number);
    const yr = (await page.locator('[data-testid="small-0"] .uplot').getAttribute('data-y-range')).split(',').map(Number);
    assert.deepEqual(xr, [0, 2], 'step 1 → 0..2');
    const v = events.find((e) => e.type === 'scalar' && e.name === 'loss/total').value;
    assert.ok(yr[0] < v && v < yr[1] && yr[1] - yr[0] > 0, `${v} in ${yr}`);
    await context.close();
  });

  screenshotEveryTheme('runview', open);

  // A run half-way through its linear evaluation, every scalar so far (what the view shows while a job runs).
  screenshotEveryTheme('runview-running', async ({ theme }) => {
    const r = await suite.open({ theme, width: 300, height: 560 });
    const { message } = runningMessage(cutAt(lastProgress.totalSteps, lastProgress.totalSteps / 2));
    await postBinary(r.page, message);
    await r.page.waitForSelector('[data-testid="small-0"] canvas');
    return r;
  });
});
