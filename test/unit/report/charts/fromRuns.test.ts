import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartGroups, diceChartOf, dicePerClassPng, spectrumRowsOf } from '../../../../src/core/report/charts/fromRuns';
import { normalisedSingularValues } from '../../../../src/core/report/charts/spectra';
import { seedsStudy } from '../seedRunsFixture';

test('chart rows over seeds: one per variant, Dice per class as mean ± sd over its seeds', () => {
  const rows = seedsStudy();
  assert.deepEqual(
    chartGroups(rows).map((g) => [g.label, g.runs.length]),
    [
      ['abl-mocov2', 3],
      ['abl-method', 3],
    ],
  );
  const c = diceChartOf(rows)!;
  assert.deepEqual(c.classNames, ['liver', 'kidney']);
  assert.deepEqual(c.seeds, [3, 3]);
  const b = c.bars.map((x) => [x.row, x.cls, Number(x.mean.toFixed(6)), Number(x.sd.toFixed(6))]);
  assert.deepEqual(b, [
    [0, 0, 0.5, 0.1],
    [1, 0, 0.7, 0.1],
    [0, 1, 0.2, 0],
    [1, 1, 0.3, 0],
  ]);
  // the method's flat spectrum: σ/Σσ = 1/4 at every index, the same for every seed
  const [moco, method] = spectrumRowsOf(rows, 'representation');
  assert.equal(method.runs.length, 3);
  assert.deepEqual(normalisedSingularValues(method.runs[0]), [0.25, 0.25, 0.25, 0.25]);
  assert.match(method.legend!, /^abl-method \(RankMe 4\.0 ± 0\.0\)$/);
  assert.equal(moco.runs.length, 3);
  assert.ok(dicePerClassPng(rows)!.length > 1000);
});
