/** The Overlays panel's colours: the class palette shared with the HTML report (src/protocol), and a CSS form. */
export { CLASS_COLORS, classColor, FN_COLOR, FP_COLOR } from '../../src/protocol/webviews/palette';
export const css = ([r, g, b]: [number, number, number]) => `rgb(${r}, ${g}, ${b})`;
