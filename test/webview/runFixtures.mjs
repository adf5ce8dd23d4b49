// The recorded phantom runs (test/fixtures/runs, from `medssl run examples/smoke.medssl.yaml`: the full
// method, and the MoCo v2 variant with the local loss and whitening off), turned into host messages by
// the host's own code (out/src/extension/panels/runData.js), and posted to a page with their ArrayBuffers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './harness.mjs';

const require = createRequire(import.meta.url);
export const runData = require(path.join(ROOT, 'out', 'src', 'extension', 'panels', 'runData.js'));

export const FIXTURE_RUNS = path.join(ROOT, 'test', 'fixtures', 'runs');
export const METHOD_RUN = path.join(FIXTURE_RUNS, '20261127T141523Z-smoke');
export const MOCO_RUN = path.join(FIXTURE_RUNS, '20261127T141620Z-smoke-mocov2');
/** The same smoke config with per-layer diagnostics (steps 0, 10, 20; pretraining only): MoCo v2, and the method with
 * its iternorm whitening before the pool (so it records beforePool.in/out, which MoCo v2 has not). */
export const LAYERS_MOCO_RUN = path.join(FIXTURE_RUNS, '20261205T154349Z-layers-mocov2');
export const LAYERS_METHOD_RUN = path.join(FIXTURE_RUNS, '20261205T154546Z-layers-method');

/** ArrayBuffers and typed arrays as base64 (page.evaluate arguments are JSON), restored in the page. */
function encode(v) {
  if (v instanceof ArrayBuffer) return { __ab: Buffer.from(v).toString('base64') };
  if (ArrayBuffer.isView(v)) return { __ab: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

/** A host message with ArrayBuffers, delivered the way VS Code does (a window 'message' event, structured clone). */
export function postBinary(page, message) {
  return page.evaluate((m) => {
    const decode = (v) => {
      if (v && typeof v === 'object' && typeof v.__ab === 'string') {
        const s = atob(v.__ab);
        const b = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
        return b.buffer;
      }
      if (Array.isArray(v)) return v.map(decode);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
      return v;
    };
    window.postMessage(decode(m), '*');
  }, encode(message));
}

/** Resolves after the page's next animation frame callbacks (a slice step draws on the next frame). */
export function nextFrame(page) {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
}

/** A cheap fingerprint of what a canvas shows (to assert that a toggle changed the drawing). */
export async function canvasFingerprint(page, selector) {
  await nextFrame(page);
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hsum = 0;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      hsum = (hsum * 31 + d[i] * 7 + d[i + 1] * 13 + d[i + 2] * 17 + d[i + 3]) >>> 0;
      if (d[i + 3] > 0) ink++;
    }
    return { hash: hsum, ink };
  }, selector);
}

/** Pixels of a canvas close to an RGB colour (within `tol` per channel). */
export async function countColor(page, selector, [r, g, b], tol = 24) {
  await nextFrame(page);
  return page.evaluate(
    ({ sel, r, g, b, tol }) => {
      const c = document.querySelector(sel);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 200 && Math.abs(d[i] - r) <= tol && Math.abs(d[i + 1] - g) <= tol && Math.abs(d[i + 2] - b) <= tol) n++;
      return n;
    },
    { sel: selector, r, g, b, tol },
  );
}

/** Two ablation rows × seeds 0, 1, 2 (test/fixtures/runs/seeds, from seeds.medssl.yaml there: the smoke settings, 3 epochs, linear evaluation). */
export const SEEDS_FIXTURE = path.join(FIXTURE_RUNS, 'seeds');
export const SEED_RUNS = fs
  .readdirSync(SEEDS_FIXTURE)
  .filter((d) => fs.existsSync(path.join(SEEDS_FIXTURE, d, 'run.json')))
  .sort()
  .map((d) => path.join(SEEDS_FIXTURE, d));

/** Pixels of a chart's canvas at the seed band's translucency: alpha 0.18 (46 of 255), or two bands over each other (84). */
export function bandPixels(page, chart) {
  return page.evaluate((c) => {
    const canvas = document.querySelector(`[data-testid="chart-${c}"] canvas`);
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i + 3] - 46) <= 3 || Math.abs(d[i + 3] - 84) <= 3) n++;
    return n;
  }, chart);
}

/** The seeds fixture's MoCo v2 and method runs, seeds 0, 1, 2 each. */
export const SEED_MOCO_RUNS = SEED_RUNS.filter((d) => /mocov2-seed\d$/.test(d));
export const SEED_METHOD_RUNS = SEED_RUNS.filter((d) => /method-seed\d$/.test(d));

/** Mean and sample sd (n − 1), written out here for the tests (not the panels' code). */
export function meanAndSd(values) {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) };
}
