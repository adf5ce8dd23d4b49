import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sceneToSvg } from '../../../../src/core/report/charts/scene';
import { normalisedSingularValues, spectraChart, spectrumBand } from '../../../../src/core/report/charts/spectra';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b} ${msg}`);

test('spectra: singular values normalised to sum 1; band over seeds = mean, lowest, highest per index', () => {
  // eigenvalues 4, 1, 0 → σ 2, 1, 0 → 2/3, 1/3, 0
  const p = normalisedSingularValues([4, 1, 0]);
  close(p[0], 2 / 3);
  close(p[1], 1 / 3);
  close(p[2], 0);
  assert.deepEqual(normalisedSingularValues([0, 0]), []);
  const b = spectrumBand([
    [4, 1, 0],
    [1, 1, 0],
  ]);
  assert.equal(b.length, 3);
  close(b[0].mean, (2 / 3 + 1 / 2) / 2);
  close(b[0].lo, 1 / 2);
  close(b[0].hi, 2 / 3);
  close(b[1].lo, 1 / 3);
  const svg = sceneToSvg(
    spectraChart(
      [
        { label: 'a', color: '#1f77b4', runs: [[4, 1, 0.01]] },
        {
          label: 'b',
          color: '#d62728',
          runs: [
            [4, 1, 0],
            [1, 1, 0],
          ],
        },
      ],
      { title: 'T' },
    ),
  );
  assert.equal((svg.match(/<polyline [^>]*data-row="a"/g) ?? []).length, 1);
  assert.equal((svg.match(/<polyline [^>]*data-row="b" data-seeds="2"/g) ?? []).length, 1);
  assert.match(svg, /<polygon [^>]*data-row="b" data-band="min-max over seeds"/);
  assert.doesNotMatch(svg, /<polygon [^>]*data-row="a"/, 'one seed: no band');
  assert.match(
    spectraChart([], { title: 'T' })
      .shapes.map((s) => (s.kind === 'text' ? s.text : ''))
      .join(' '),
    /no diagnostics/,
  );
});
