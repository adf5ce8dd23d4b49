import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dicePerClassChart } from '../../../../src/core/report/charts/dicePerClass';
import { sceneToSvg } from '../../../../src/core/report/charts/scene';
import { knownChart } from './knownChart';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b} ${msg}`);

test('Dice-per-class chart, known aggregate: bar positions and heights, whiskers at mean ± sd, axis to the next tenth', () => {
  const c = knownChart();
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
