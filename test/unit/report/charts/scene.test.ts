import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitText, sceneToSvg, textWidth } from '../../../../src/core/report/charts/scene';

test('scene to SVG: every shape kind, text escaped, a vertical title rotated about its point, data attributes escaped', () => {
  const svg = sceneToSvg(
    {
      width: 100,
      height: 50,
      shapes: [
        { kind: 'rect', x: 1, y: 2, w: 3, h: 4.5, fill: '#123456', opacity: 0.5, data: { row: 'a"<b>' } },
        { kind: 'line', x1: 0, y1: 0, x2: 10, y2: 10, stroke: '#000', width: 2 },
        {
          kind: 'polyline',
          points: [
            [0, 1],
            [2, 3.25],
          ],
          stroke: '#f00',
        },
        {
          kind: 'polygon',
          points: [
            [0, 0],
            [1, 0],
            [0, 1],
          ],
          fill: '#0f0',
          opacity: 0.2,
        },
        { kind: 'text', x: 5, y: 6, text: 'a < b & c', anchor: 'middle', bold: true, size: 12 },
        { kind: 'text', x: 12, y: 25, text: 'Dice', vertical: true },
      ],
    },
    { chart: 'x' },
  );
  assert.match(svg, /^<svg [^>]*width="100" height="50" viewBox="0 0 100 50"[^>]*data-chart="x">/);
  assert.match(svg, /<rect x="1" y="2" width="3" height="4\.50" fill="#123456" fill-opacity="0\.5" data-row="a&quot;&lt;b&gt;"\/>/);
  assert.match(svg, /<line x1="0" y1="0" x2="10" y2="10" stroke="#000" stroke-width="2"\/>/);
  assert.match(svg, /<polyline fill="none" stroke="#f00" stroke-width="1\.6" points="0,1 2,3\.25"\/>/);
  assert.match(svg, /<polygon fill="#0f0" fill-opacity="0\.2" stroke="none" points="0,0 1,0 0,1"\/>/);
  assert.match(svg, /<text x="5" y="6" text-anchor="middle" font-size="12" font-weight="bold">a &lt; b &amp; c<\/text>/);
  assert.match(svg, /<text transform="translate\(12 25\) rotate\(-90\)">Dice<\/text>/);
});

test('labels cut to a width end in an ellipsis; short ones stay whole', () => {
  const cut = fitText('a very long organ name', 40);
  assert.ok(cut.endsWith('…') && textWidth(cut) <= 40 + 11, cut);
  assert.equal(fitText('liver', 40), 'liver');
});
