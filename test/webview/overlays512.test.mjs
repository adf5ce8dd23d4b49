// The Overlays panel with 512×512 slices, scrolled with the arrow keys and the mouse wheel: how long one
// slice takes to draw (the app's User Timing measure 'medssl-overlay-paint': ImageData fill + scale to the
// view), how long a step takes before it (labels, Dice, state: 'medssl-overlay-step') and the
// frame-to-frame time while stepping once per animation frame. Reported (median, 95th
// percentile), never asserted: the machine is shared and timing is not a test result.
//
// The fixture: no run at size 512 is recorded (a 512-pixel phantom run takes hours on this 2-core CPU and
// its slices.bin would be ~15 MB per case), so the recorded 64×64 case phantom_007 of the smoke run is
// upsampled ×8 in the page: the image bilinearly, truth and prediction by nearest neighbour (their
// per-slice Dice are unchanged by an integer nearest upsampling, so the index's values still hold).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { screenshot, usePanelSuite } from './harness.mjs';
import { METHOD_RUN, runData } from './runFixtures.mjs';

const SCALE = 8;
const suite = usePanelSuite('overlays');

/** The recorded overlays of one case, with the slice data as base64 (upsampled in the page). */
function recordedCase(caseId) {
  const full = runData.readOverlays(METHOD_RUN);
  const keep = full.slices.flatMap((s, i) => (s.caseId === caseId ? [i] : []));
  const plane = full.width * full.height;
  const src = new Uint8Array(full.data);
  const data = new Uint8Array(keep.length * 3 * plane);
  keep.forEach((i, k) => data.set(src.subarray(i * 3 * plane, (i + 1) * 3 * plane), k * 3 * plane));
  const { data: _drop, ...meta } = full;
  return {
    meta: {
      ...meta,
      slices: keep.map((i) => full.slices[i]),
      worstSlicePerClass: full.worstSlicePerClass.map((w) => keep.indexOf(w)),
      caseDice: full.caseDice.filter((c) => c.caseId === caseId),
    },
    b64: Buffer.from(data).toString('base64'),
  };
}

/** Upsamples in the page and delivers the overlays message the way VS Code does. */
function postUpsampled(page, { meta, b64 }) {
  return page.evaluate(
    ({ meta, b64, scale }) => {
      const s = atob(b64);
      const src = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) src[i] = s.charCodeAt(i);
      const w = meta.width;
      const h = meta.height;
      const W = w * scale;
      const H = h * scale;
      const n = meta.slices.length;
      const out = new Uint8Array(n * 3 * W * H);
      for (let k = 0; k < n; k++) {
        const img = src.subarray(k * 3 * w * h, k * 3 * w * h + w * h);
        const o = k * 3 * W * H;
        for (let Y = 0; Y < H; Y++) {
          const fy = Math.min(h - 1, Math.max(0, (Y + 0.5) / scale - 0.5));
          const y0 = Math.floor(fy);
          const y1 = Math.min(h - 1, y0 + 1);
          const ty = fy - y0;
          for (let X = 0; X < W; X++) {
            const fx = Math.min(w - 1, Math.max(0, (X + 0.5) / scale - 0.5));
            const x0 = Math.floor(fx);
            const x1 = Math.min(w - 1, x0 + 1);
            const tx = fx - x0;
            const top = img[y0 * w + x0] * (1 - tx) + img[y0 * w + x1] * tx;
            const bottom = img[y1 * w + x0] * (1 - tx) + img[y1 * w + x1] * tx;
            out[o + Y * W + X] = Math.round(top * (1 - ty) + bottom * ty);
            const near = Math.floor(Y / scale) * w + Math.floor(X / scale);
            out[o + W * H + Y * W + X] = src[k * 3 * w * h + w * h + near];
            out[o + 2 * W * H + Y * W + X] = src[k * 3 * w * h + 2 * w * h + near];
          }
        }
      }
      window.postMessage({ type: 'overlays', overlays: { ...meta, width: W, height: H, data: out.buffer } }, '*');
    },
    { meta, b64, scale: SCALE },
  );
}

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const summary = (xs) => `median ${pct(xs, 0.5).toFixed(2)} ms, 95th percentile ${pct(xs, 0.95).toFixed(2)} ms (n = ${xs.length})`;

describe('Overlays panel at 512×512', () => {
  it('scrolls through the slices with arrow keys and the wheel; prints the per-slice draw time', async () => {
    const { page, context, problems } = await suite.open({ width: 1100, height: 760 });
    const c = recordedCase('phantom_007');
    await postUpsampled(page, c);
    await page.waitForSelector('[data-testid="view"]');
    const n = c.meta.slices.length;
    assert.equal(await page.locator('[data-testid="view"]').getAttribute('width'), '512', 'drawn 1:1 at 512 pixels');
    assert.match(await page.locator('[data-testid="slice-label"]').innerText(), new RegExp(`of ${n} stored`));
    await page.locator('[data-testid="view"]').focus();

    // Arrow keys, one per animation frame, down to the first slice, up to the last and back: 3 sweeps.
    const keys = await page.evaluate(async (n) => {
      performance.clearMeasures('medssl-overlay-paint');
      performance.clearMeasures('medssl-overlay-step');
      const frames = [];
      const seen = new Set();
      const order = [...Array(n).fill('ArrowDown'), ...Array(n).fill('ArrowUp'), ...Array(n).fill('ArrowDown')];
      let last = await new Promise(requestAnimationFrame);
      for (const key of order) {
        window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
        seen.add(document.getElementById('app').dataset.slice);
        const t = await new Promise(requestAnimationFrame);
        frames.push(t - last);
        last = t;
      }
      await new Promise(requestAnimationFrame);
      const durations = (name) => performance.getEntriesByName(name).map((e) => e.duration);
      return { frames, paints: durations('medssl-overlay-paint'), steps: durations('medssl-overlay-step'), seen: seen.size };
    }, n);
    assert.equal(keys.seen, n, 'every slice of the case was shown');
    assert.ok(keys.paints.length >= n, `${keys.paints.length} paints for ${3 * n} steps`);

    // The wheel, as the mouse sends it (Playwright's wheel through the browser's input pipeline).
    await page.evaluate(() => performance.clearMeasures('medssl-overlay-paint'));
    await page.locator('[data-testid="view"]').hover();
    const before = await page.evaluate(() => document.getElementById('app').dataset.slice);
    for (let k = 0; k < n - 1; k++) await page.mouse.wheel(0, 100);
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const wheelPaints = await page.evaluate(() => performance.getEntriesByName('medssl-overlay-paint').map((e) => e.duration));
    assert.notEqual(await page.evaluate(() => document.getElementById('app').dataset.slice), before, 'the wheel moved the slice');
    assert.ok(wheelPaints.length > 0);

    console.log(
      `[overlays 512×512] arrow keys: draw ${summary(keys.paints)}; step (labels, Dice, state) ${summary(keys.steps)}; frame-to-frame ${summary(keys.frames)}`,
    );
    console.log(`[overlays 512×512] mouse wheel: draw ${summary(wheelPaints)}`);
    await screenshot(page, 'overlays-512-light');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
