import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { encodeOverlays } from '../../../src/core/eval/overlays';
import { overlayPngDataUrl } from '../../../src/core/report/html';
import { CLASS_COLORS, classColor } from '../../../src/protocol/webviews/palette';
import * as panel from '../../../webview/overlays/palette';

test('one class palette: the Overlays panel takes it from the protocol; class numbers past it wrap, skipping the background', () => {
  assert.equal(panel.CLASS_COLORS, CLASS_COLORS);
  assert.equal(panel.classColor, classColor);
  assert.deepEqual(classColor(CLASS_COLORS.length), CLASS_COLORS[1]);
  assert.deepEqual(classColor(CLASS_COLORS.length + 2), CLASS_COLORS[2]);
  assert.equal(new Set(CLASS_COLORS.map((c) => c.join())).size, CLASS_COLORS.length, 'no two classes share a colour');
});

test("the HTML report's overlays draw each class in the panel's colour (class 12, and 16 wrapping to 1)", () => {
  for (const cls of [12, CLASS_COLORS.length]) {
    const ov = encodeOverlays(
      [
        {
          caseId: 'c',
          z: 0,
          image: [0.5, 0.5, 0.5, 0.5],
          truth: [cls, cls, cls, cls],
          pred: [0, 0, 0, 0],
          dice: { z: 0, perClass: [], meanForeground: null },
        },
      ],
      { width: 2, height: 2, numClasses: cls + 1, classNames: [], displayRange: [0, 1] },
    );
    const url = overlayPngDataUrl(ov.index, ov.data, 0, 1);
    const png = decode(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
    // the truth panel starts after the image (2 px) and a 4 px gap; colour blended at 0.55 over grey
    const o = (0 * png.width + 6) * 3;
    const g = png.data[0];
    const want = classColor(cls).map((c) => Math.round(0.45 * g + 0.55 * c));
    assert.deepEqual([png.data[o], png.data[o + 1], png.data[o + 2]], want, `class ${cls}`);
  }
});
