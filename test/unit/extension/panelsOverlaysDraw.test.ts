import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawOverlaySlice, type DrawSettings } from '../../../webview/overlays/draw';
import { CLASS_COLORS, classColor, css, FN_COLOR, FP_COLOR } from '../../../webview/overlays/palette';

/** The two calls drawOverlaySlice makes on a 2-D context, recording the frame it puts. */
function fakeContext(): { ctx: CanvasRenderingContext2D; put: () => Uint8ClampedArray } {
  let last: Uint8ClampedArray | undefined;
  const ctx = {
    createImageData: (width: number, height: number) => ({ width, height, data: new Uint8ClampedArray(width * height * 4) }),
    putImageData: (img: { data: Uint8ClampedArray }) => {
      last = new Uint8ClampedArray(img.data);
    },
  } as unknown as CanvasRenderingContext2D;
  return { ctx, put: () => last! };
}

// One 2×1 slice: image, truth, prediction planes. Pixel 0: truth background, predicted class 1 (a false
// positive); pixel 1: class 1 in both.
const ov = { width: 2, height: 1 };
const bytes = new Uint8Array([10, 200, 0, 1, 1, 1]);
const px = (d: Uint8ClampedArray, p: number) => [...d.subarray(4 * p, 4 * p + 4)];
const settings = (over: Partial<DrawSettings>): DrawSettings => ({ opacity: 1, mode: 'truth', outline: false, hidden: [], ...over });

test('opacity 0: the grey image only', () => {
  const { ctx, put } = fakeContext();
  drawOverlaySlice(ctx, ov, bytes, 0, settings({ opacity: 0 }));
  assert.deepEqual(px(put(), 0), [10, 10, 10, 255]);
  assert.deepEqual(px(put(), 1), [200, 200, 200, 255]);
});

test('opacity 1: labelled pixels take their class colour; hidden classes stay grey', () => {
  const { ctx, put } = fakeContext();
  drawOverlaySlice(ctx, ov, bytes, 0, settings({ mode: 'prediction' }));
  assert.deepEqual(px(put(), 0), [...CLASS_COLORS[1], 255]);
  drawOverlaySlice(ctx, ov, bytes, 0, settings({ mode: 'prediction', hidden: [1] }));
  assert.deepEqual(px(put(), 0), [10, 10, 10, 255]);
});

test('difference: a false positive in its colour, agreement left grey', () => {
  const { ctx, put } = fakeContext();
  drawOverlaySlice(ctx, ov, bytes, 0, settings({ mode: 'difference' }));
  assert.deepEqual(px(put(), 0), [...FP_COLOR, 255]);
  assert.deepEqual(px(put(), 1), [200, 200, 200, 255]);
  assert.notDeepEqual(FP_COLOR, FN_COLOR);
});

test('palette: classes past the palette wrap around it, never onto the background', () => {
  assert.deepEqual(classColor(1), CLASS_COLORS[1]);
  assert.deepEqual(classColor(CLASS_COLORS.length), CLASS_COLORS[1]);
  assert.deepEqual(classColor(CLASS_COLORS.length + 2), CLASS_COLORS[2]);
  assert.equal(css([1, 2, 3]), 'rgb(1, 2, 3)');
});
