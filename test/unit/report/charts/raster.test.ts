import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { parseColor, rasterize, rasterTextWidth, scenePng } from '../../../../src/core/report/charts/raster';
import { knownChart } from './knownChart';

test('PNG of the chart: decodes to twice the SVG size, RGB, not blank, bars in their colours where the chart puts them', () => {
  const c = knownChart();
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
});
