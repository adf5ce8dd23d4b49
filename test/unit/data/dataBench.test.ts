import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runDataBench } from '../../../src/core/bench/dataBench';

// The data line of `medssl bench` on a tiny dataset: what it counts and reports (no timing asserted).
test('data bench: counts every slice of the cold and warm passes, reports the ratio, CPU per slice and the stage profile, and cleans up', async () => {
  const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('medssl-databench-')));
  const msgs: string[] = [];
  const r = await runDataBench({
    size: 16,
    batch: 5,
    cases: 2,
    shape: [32, 32, 6],
    trainingImagesPerS: 10,
    onProgress: (m) => msgs.push(m),
  });
  assert.equal(r.slices, 12, 'two cases of six slices');
  assert.equal(r.size, 16);
  assert.match(r.source, /^2 phantom CT volumes 32x32x6, int16 \.nii\.gz$/);
  for (const v of [r.slices_per_s, r.warm_slices_per_s, r.seconds]) assert.ok(Number.isFinite(v) && v > 0, String(v));
  assert.ok(Math.abs(r.ratio_to_training! - r.slices_per_s / 10) < 1e-9);
  for (const v of [
    r.cpu_ms_per_slice,
    r.warm_cpu_ms_per_slice,
    r.stages_ms_per_slice.read,
    r.stages_ms_per_slice.prepare,
    r.stages_ms_per_slice.views,
  ]) {
    assert.ok(Number.isFinite(v) && v >= 0, JSON.stringify(r));
  }
  assert.ok(msgs.some((m) => /loader pass/.test(m)));
  const left = readdirSync(tmpdir()).filter((f) => f.startsWith('medssl-databench-') && !before.has(f));
  assert.deepEqual(left, [], 'the temporary dataset is removed');
  assert.equal((await runDataBench({ size: 16, batch: 4, cases: 2, shape: [32, 32, 4] })).ratio_to_training, null);
});
