import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatePhantomCase } from '../../../src/core/data/phantom/generate';
import { caseToSlices, splitByCase } from '../../../src/core/data/preprocess';
import { intensityPreset, loadPretrainData } from '../../../src/core/train/data';
import { tinyConfig } from '../train/helpers';

// Pretraining's phantom data goes through the streaming loader (cases generated on demand into an LRU
// of prepared slices). Its slices must equal, number for number and in the same order, the
// whole-volume path the run used before (caseToSlices per generated case, split by case), so a seed
// gives the same run.
for (const foregroundOnly of [false, true]) {
  test(`phantom pretraining data through the loader equals the whole-volume path (foregroundOnly ${foregroundOnly})`, () => {
    const c = tinyConfig((c) => {
      c.data.source = 'phantom';
      c.data.phantom = { cases: 5, slices: 6, seed: 4 };
      c.data.size = 24;
      c.data.heldOutFraction = 0.2;
      c.data.foregroundOnly = foregroundOnly;
    });
    const data = loadPretrainData(c);
    const byCase = new Map<string, Float32Array[]>();
    for (let i = 0; i < 5; i++) {
      const pc = generatePhantomCase(i, { seed: 4, shape: [64, 64, 6] });
      const slices = caseToSlices(pc.id, pc.image, foregroundOnly ? pc.label : undefined, { intensity: intensityPreset(c), size: [24, 24], minForegroundPixels: foregroundOnly ? 1 : 0 });
      byCase.set(pc.id, slices.map((s) => s.image.data));
    }
    const split = splitByCase([...byCase.keys()], { train: 0.8, val: 0.2 }, c.seed);
    assert.deepEqual(data.trainCases, split.train);
    assert.deepEqual(data.heldOutCases, split.val);
    const want = split.train.flatMap((id) => byCase.get(id)!);
    const wantHeld = split.val.flatMap((id) => byCase.get(id)!);
    assert.equal(data.train.length, want.length);
    assert.equal(data.heldOut.length, wantHeld.length);
    if (!foregroundOnly) assert.equal(want.length, 4 * 6);
    else assert.ok(want.length <= 4 * 6 && want.length > 0, `${want.length} foreground slices`);
    want.forEach((d, i) => assert.deepEqual(data.train[i].data, d, `training slice ${i}`));
    wantHeld.forEach((d, i) => assert.deepEqual(data.heldOut[i].data, d, `held-out slice ${i}`));
  });
}
