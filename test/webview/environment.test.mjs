// The Environment panel (webview/environment) in headless Chromium, fed the recorded EnvReport of a real
// machine (test/fixtures/env-report.json, from `node dist/cli.js env --json`) and a GPU variant of it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, postToPanel, screenshot, usePanelSuite } from './harness.mjs';

const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'env-report.json'), 'utf8'));

/** The same machine with a working CUDA setup: what a lab workstation reports. */
function gpuVariant(r) {
  const g = structuredClone(r);
  g.backends = g.backends.map((b) =>
    b.name === 'tfjs-node-gpu'
      ? { ...b, available: true, reason: 'CUDA device found: NVIDIA RTX A4000 (16 GiB)' }
      : b.name === 'tfjs-node'
        ? { ...b, available: true, reason: 'runs on CPU (libtensorflow)' }
        : b,
  );
  g.cuda.libraries = g.cuda.libraries.map((l) => ({ ...l, foundAt: `/usr/local/cuda-11.2/lib64/${l.candidates[0]}` }));
  g.cuda.gpus = ['NVIDIA RTX A4000, 16376 MiB'];
  g.cuda.nvidiaSmi = 'Driver 535.183.01, CUDA 12.2';
  g.auto = { requested: 'auto', backend: 'tfjs-node-gpu', device: 'GPU (CUDA): NVIDIA RTX A4000', skipped: [] };
  g.gpuAnswer = "Yes: jobs will run on 'tfjs-node-gpu' — GPU (CUDA): NVIDIA RTX A4000.";
  return g;
}

const gib = (mib) => `${(mib / 1024).toFixed(1)} GiB`;
const text = (page, sel) => page.locator(sel).innerText();

const suite = usePanelSuite('environment');

describe('Environment panel', () => {
  it('says it is checking, and tells the host it is ready', async () => {
    const { page, context, problems } = await suite.open();
    await page.waitForSelector('[data-testid="placeholder"]');
    assert.match(await text(page, '[data-testid="placeholder"]'), /Checking the environment/);
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
    assert.deepEqual(problems, [], 'no CSP violation, console error or failed request');
    await context.close();
  });

  for (const theme of ['light', 'dark']) {
    it(`shows every value of the report (${theme} theme)`, async () => {
      const { page, context, problems } = await suite.open({ theme });
      await postToPanel(page, { type: 'env', report: fixture });
      await page.waitForSelector('[data-testid="gpu-answer"]');

      assert.equal(await text(page, '[data-testid="gpu-answer"]'), fixture.gpuAnswer);
      assert.equal(await text(page, '[data-testid="gpu-badge"]'), fixture.auto.backend === 'tfjs-node-gpu' ? 'Yes' : 'No');
      const auto = await text(page, '[data-testid="auto-backend"]');
      assert.ok(auto.includes(fixture.auto.backend) && auto.includes(fixture.auto.device), auto);
      if (fixture.auto.warning) assert.ok((await text(page, '[data-testid="warning"]')).includes(fixture.auto.warning));

      const rows = page.locator('[data-testid="backends"] tbody tr');
      assert.equal(await rows.count(), fixture.backends.length);
      for (const [i, b] of fixture.backends.entries()) {
        const row = rows.nth(i);
        assert.equal(await row.getAttribute('data-backend'), b.name);
        assert.equal(
          (await row.locator('[data-testid="available"]').innerText()).trim(),
          b.available ? 'available' : 'unavailable',
          b.name,
        );
        assert.equal(await row.locator('[data-testid="reason"]').innerText(), b.reason);
      }
      assert.equal(await page.locator(`[data-backend="${fixture.auto.backend}"] .tag`).innerText(), 'auto');

      const libs = page.locator('[data-testid="cuda"] tbody tr');
      assert.equal(await libs.count(), fixture.cuda.libraries.length);
      for (const [i, l] of fixture.cuda.libraries.entries()) {
        assert.equal(await libs.nth(i).getAttribute('data-library'), l.name);
        assert.equal((await libs.nth(i).locator('[data-testid="found"]').innerText()).trim(), l.foundAt ?? 'missing');
        for (const c of l.candidates) assert.ok((await libs.nth(i).innerText()).includes(c), c);
      }
      const found = fixture.cuda.libraries.filter((l) => l.foundAt).length;
      assert.ok(
        (await text(page, '[data-testid="cuda-summary"]')).startsWith(`${found} of ${fixture.cuda.libraries.length} libraries found`),
      );

      const node = await text(page, '[data-testid="node"]');
      assert.ok(node.includes(fixture.node.version) && node.includes(fixture.node.execPath), node);
      assert.ok((await text(page, '[data-testid="cpu"]')).includes(`${fixture.platform.cpus} × ${fixture.platform.cpuModel}`));
      const threads = await text(page, '[data-testid="threads"]');
      assert.ok(
        threads.includes(`${fixture.threads.cores} cores`) &&
          threads.includes(`WebAssembly threads usable: ${fixture.threads.wasmThreadsUsable}`) &&
          threads.includes(`worker threads: ${fixture.threads.workerThreads}`),
        threads,
      );
      assert.equal(
        await text(page, '[data-testid="memory"]'),
        `${gib(fixture.platform.totalMemMiB)} total, ${gib(fixture.platform.freeMemMiB)} free`,
      );
      assert.ok((await text(page, '[data-testid="wasm"]')).includes(`heap limit ${fixture.wasm.heapLimitMiB} MiB`));

      // Colours come from the theme, not from the fallbacks.
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(255, 255, 255)');

      await screenshot(page, `webview-environment-${theme}`);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  it('stays readable in a narrow editor column (no horizontal scrolling)', async () => {
    const { page, context } = await suite.open({ theme: 'dark', width: 420, height: 800 });
    await postToPanel(page, { type: 'env', report: fixture });
    await page.waitForSelector('[data-testid="gpu-answer"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the panel`);
    await screenshot(page, 'webview-environment-narrow-dark');
    await context.close();
  });

  it('Re-check posts {type: "recheck"} and shows it is busy until the next report', async () => {
    const { page, context } = await suite.open();
    await postToPanel(page, { type: 'env', report: fixture });
    const button = page.locator('[data-testid="recheck"]');
    await button.click();
    assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }, { type: 'recheck' }]);
    assert.equal(await button.isDisabled(), true);
    assert.equal(await button.innerText(), 'Checking…');
    await button.click({ force: true }); // disabled: must not post twice
    assert.equal((await page.evaluate(() => window.__posted)).length, 2);
    await postToPanel(page, { type: 'env', report: gpuVariant(fixture) });
    await page.waitForSelector('[data-testid="recheck"]:not([disabled])');
    assert.equal(await button.innerText(), 'Re-check');
    assert.equal(await text(page, '[data-testid="gpu-badge"]'), 'Yes');
    await context.close();
  });

  it('shows a GPU machine: Yes, every CUDA library found, no warning', async () => {
    const gpu = gpuVariant(fixture);
    const { page, context, problems } = await suite.open({ theme: 'dark' });
    await postToPanel(page, { type: 'env', report: gpu });
    await page.waitForSelector('[data-testid="gpu-answer"]');
    assert.equal(await text(page, '[data-testid="gpu-badge"]'), 'Yes');
    assert.equal(await page.locator('.answer.yes').count(), 1);
    assert.equal(await page.locator('[data-testid="warning"]').count(), 0);
    assert.equal(await page.locator('[data-testid="cuda"] tr.available').count(), gpu.cuda.libraries.length);
    assert.ok((await text(page, '[data-testid="cuda-summary"]')).includes(gpu.cuda.gpus[0]));
    await screenshot(page, 'webview-environment-gpu-dark');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('keeps the report in its state and shows it again when restored, before any message', async () => {
    let { page, context } = await suite.open();
    await postToPanel(page, { type: 'env', report: fixture });
    await page.waitForSelector('[data-testid="gpu-answer"]');
    const saved = await page.evaluate(() => window.__state);
    assert.deepEqual(saved.report, fixture);
    await context.close();

    ({ page, context } = await suite.open({ state: saved }));
    await page.waitForSelector('[data-testid="gpu-answer"]');
    assert.equal(await text(page, '[data-testid="gpu-answer"]'), fixture.gpuAnswer);
    await context.close();
  });

  it('shows an error from the host and lets the user try again', async () => {
    const { page, context } = await suite.open();
    await postToPanel(page, { type: 'busy', what: 'Checking the environment…' });
    assert.equal(await page.locator('[data-testid="recheck"]').isDisabled(), true);
    await postToPanel(page, {
      type: 'envError',
      message: "Check Environment failed: 'medssl env' failed (exit 1): cannot find dist/cli.js",
    });
    await page.waitForSelector('[data-testid="error"]');
    assert.match(await text(page, '[data-testid="error"]'), /cannot find dist\/cli\.js/);
    assert.equal(await page.locator('[data-testid="recheck"]').isDisabled(), false);
    await screenshot(page, 'webview-environment-error-light');
    await context.close();
  });

  it('works outside VS Code (no acquireVsCodeApi): the shim records what it posts', async () => {
    const { page, context, problems } = await suite.open({ vscodeApi: false, theme: 'dark' });
    await postToPanel(page, { type: 'env', report: fixture });
    await page.locator('[data-testid="recheck"]').click();
    assert.deepEqual(await page.evaluate(() => window.__medsslPosted), [{ type: 'ready' }, { type: 'recheck' }]);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
