/**
 * The class colours shared by the Overlays panel and the HTML report, so a class has one colour wherever
 * a researcher sees it; plus the two of the panel's difference view (false positive, false negative).
 * Plain data: the panels may import it as a value (the one exception to type-only protocol imports).
 */

/** Class colours (index 0, background, is never drawn): distinct on a grey image in light and dark themes. */
export const CLASS_COLORS: readonly [number, number, number][] = [
  [0, 0, 0],
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 250, 200],
  [128, 0, 0],
];
export const FP_COLOR: [number, number, number] = [255, 64, 64];
export const FN_COLOR: [number, number, number] = [64, 160, 255];
/** Class c's colour (classes past the palette wrap around it, skipping the background's entry). */
export const classColor = (c: number): [number, number, number] => CLASS_COLORS[c % CLASS_COLORS.length || 1];
