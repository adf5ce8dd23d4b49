import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { dicePerClassChart } from '../../../src/core/report/charts/dicePerClass';
import { parseColor, rasterize, rasterTextWidth, scenePng } from '../../../src/core/report/charts/raster';
import { fitText, sceneToSvg } from '../../../src/core/report/charts/scene';
import { normalisedSingularValues, spectraChart, spectrumBand } from '../../../src/core/report/charts/spectra';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b} ${msg}`);

// Two foreground classes × two rows with known means and sds (3 seeds each; one row has a single run).
const chart = () =>
  dicePerClassChart(
    ['liver', 'kidney'],
    [
      {
        label: 'mocov2',
        color: '#1f77b4',
        perClass: [
          { mean: 0.5, sd: 0.1, n: 3 },
          { mean: 0.3, sd: 0.05, n: 3 },
        ],
      },
      { label: 'method', color: '#d62728', perClass: [{ mean: 0.6, sd: Number.NaN, n: 1 }, null] },
    ],
  );

test('Dice-per-class chart, known aggregate: bar positions and heights, whiskers at mean ± sd, axis to the next tenth', () => {
  const c = chart();
  // highest whisker 0.5 + 0.1 = 0.6 → axis 0 … 0.6
  close(c.yMax, 0.6);
  const { left, right, bottom, height } = c.plot;
  const gw = (right - left) / 2;
  const barW = (gw * 0.8) / 2;
  assert.equal(c.bars.length, 3, 'the missing class of the second row has no bar');
  const [a0, b0, a1] = c.bars;
  assert.deepEqual(
    c.bars.map((b) => [b.row, b.cls]),
    [
      [0, 0],
      [1, 0],
      [0, 1],
    ],
  );
  close(a0.x, left + gw * 0.1);
  close(b0.x, left + gw * 0.1 + barW);
  close(a1.x, left + gw + gw * 0.1);
  close(a0.width, barW);
  close(a0.height, (0.5 / 0.6) * height);
  close(a0.y, bottom - (0.5 / 0.6) * height);
  close(a1.height, (0.3 / 0.6) * height);
  // 0.6 is the axis top: the bar fills the plot's height
  close(b0.height, height);
  close(a0.whisker!.top, bottom - (0.6 / 0.6) * height);
  close(a0.whisker!.bottom, bottom - (0.4 / 0.6) * height);
  close(a1.whisker!.top, bottom - (0.35 / 0.6) * height);
  assert.equal(b0.whisker, undefined, 'a single run has no whisker');
  assert.ok(c.hasSpread);
  // the SVG carries each bar's numbers and the class labels
  const svg = sceneToSvg(c.scene);
  assert.match(svg, /<rect [^>]*data-row="mocov2" data-class="liver" data-mean="0\.5000" data-sd="0\.1000"\/>/);
  assert.match(svg, /<rect [^>]*data-row="method" data-class="liver" data-mean="0\.6000" data-sd="NaN"\/>/);
  assert.match(svg, />kidney<\/text>/);
  assert.match(svg, /whiskers: ± 1 sd over seeds/);
});

test('Dice-per-class chart: whiskers above 1 are cut at the axis top (1)', () => {
  const c = dicePerClassChart(['a'], [{ label: 'x', color: '#000', perClass: [{ mean: 0.9, sd: 0.3, n: 2 }] }]);
  close(c.yMax, 1);
  close(c.bars[0].whisker!.top, c.plot.top);
  close(c.bars[0].whisker!.bottom, c.plot.bottom - 0.6 * c.plot.height);
});

test('PNG of the chart: decodes to twice the SVG size, RGB, not blank, bars in their colours where the chart puts them', () => {
  const c = chart();
  const png = decode(scenePng(c.scene, 2));
  assert.equal(png.width, c.scene.width * 2);
  assert.equal(png.height, c.scene.height * 2);
  assert.equal(png.channels, 3);
  const px = (x: number, y: number) => {
    const o = (Math.round(y) * png.width + Math.round(x)) * 3;
    return [png.data[o], png.data[o + 1], png.data[o + 2]];
  };
  let nonWhite = 0;
  for (let i = 0; i < png.data.length; i += 3) if (png.data[i] + png.data[i + 1] + png.data[i + 2] < 3 * 250) nonWhite++;
  assert.ok(nonWhite > png.width * png.height * 0.05, `${nonWhite} drawn pixels`);
  // inside the first bar, away from its whisker: the row's colour; just above a bar's top: not
  const [a0, b0] = c.bars;
  assert.deepEqual(px((a0.x + a0.width * 0.2) * 2, (a0.y + a0.height / 2) * 2), parseColor('#1f77b4'));
  assert.deepEqual(px((b0.x + b0.width * 0.5) * 2, (b0.y + 10) * 2), parseColor('#d62728'));
  assert.notDeepEqual(px((a0.x + a0.width * 0.2) * 2, (a0.whisker!.top - 8) * 2), parseColor('#1f77b4'));
  // the whisker is drawn dark at the bar's centre above the bar
  const wx = (a0.x + (a0.width - 1) / 2) * 2;
  const wy = ((a0.whisker!.top + a0.y) / 2) * 2;
  assert.ok(Math.max(...px(wx, wy)) < 120, `whisker pixel ${px(wx, wy)}`);
});

test('raster text: glyphs drawn from the atlas, unknown characters as "?"', () => {
  assert.ok(rasterTextWidth('Dice') > 30 && rasterTextWidth('Dice') < 60, `${rasterTextWidth('Dice')}`);
  assert.equal(rasterTextWidth('\u{1F600}'), rasterTextWidth('?'));
  const img = rasterize({ width: 40, height: 20, shapes: [{ kind: 'text', x: 2, y: 14, text: 'Ab' }] }, 2);
  let ink = 0;
  for (let i = 0; i < img.data.length; i++) if (img.data[i] < 128) ink++;
  assert.ok(ink > 30, `${ink}`);
  const cut = fitText('a very long organ name', 40);
  assert.ok(cut.endsWith('…') && cut.length < 10, cut);
  assert.equal(fitText('liver', 40), 'liver');
});

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
