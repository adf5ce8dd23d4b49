/**
 * The Overlays panel's rasteriser: one pass over W×H bytes into a reused ImageData, one 32-bit store per
 * pixel from a colour lookup table (row per colour, column per grey level: the blend image·(1−k) + colour·k
 * precomputed), rebuilt only when the opacity, the outline or the hidden classes change.
 */
import { CLASS_COLORS, FN_COLOR, FP_COLOR } from './palette';

export type OverlayMode = 'truth' | 'prediction' | 'difference';

/** The part of the panel's state that drawing depends on. */
export interface DrawSettings {
  opacity: number;
  mode: OverlayMode;
  outline: boolean;
  hidden: number[];
}

const FP_ROW = CLASS_COLORS.length;
const FN_ROW = CLASS_COLORS.length + 1;
let lut: Uint32Array | undefined;
let lutKey = '';
let hiddenMask = new Uint8Array(256);
let frame: ImageData | undefined;

/** RGBA as one little-endian 32-bit word (ImageData's byte order on every platform browsers run on). */
const rgba = (r: number, g: number, b: number): number =>
  ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;

function colourLut(state: DrawSettings): Uint32Array {
  const key = `${state.opacity}|${state.outline}|${state.hidden.join(',')}`;
  if (lut && key === lutKey) return lut;
  const k = state.outline ? Math.max(state.opacity, 0.85) : state.opacity;
  const rows: [number, number, number][] = [...CLASS_COLORS, FP_COLOR, FN_COLOR];
  lut = new Uint32Array(rows.length * 256);
  rows.forEach((col, row) => {
    for (let v = 0; v < 256; v++)
      lut![row * 256 + v] = row === 0 ? rgba(v, v, v) : rgba(v * (1 - k) + col[0] * k, v * (1 - k) + col[1] * k, v * (1 - k) + col[2] * k);
  });
  hiddenMask = new Uint8Array(256);
  for (const c of state.hidden) if (c >= 0 && c < 256) hiddenMask[c] = 1;
  lutKey = key;
  return lut;
}

/**
 * Draws slice i of `bytes` (per slice: image, truth, prediction planes of W×H bytes) into a W×H ImageData:
 * grey image, then the labels as chosen (fill or outline, opacity).
 */
export function drawOverlaySlice(
  ctx: CanvasRenderingContext2D,
  ov: { width: number; height: number },
  bytes: Uint8Array,
  i: number,
  state: DrawSettings,
): void {
  const { width: w, height: hh } = ov;
  const plane = w * hh;
  const o = i * 3 * plane;
  const img = bytes.subarray(o, o + plane);
  const truth = bytes.subarray(o + plane, o + 2 * plane);
  const pred = bytes.subarray(o + 2 * plane, o + 3 * plane);
  if (!frame || frame.width !== w || frame.height !== hh) frame = ctx.createImageData(w, hh);
  const px = new Uint32Array(frame.data.buffer);
  const table = colourLut(state);
  const hidden = hiddenMask;
  const nColours = CLASS_COLORS.length;
  const outline = state.outline;
  const edge = (lab: Uint8Array, p: number, c: number): boolean => {
    const x = p % w;
    return (
      (x > 0 && lab[p - 1] !== c) || (x < w - 1 && lab[p + 1] !== c) || (p >= w && lab[p - w] !== c) || (p < plane - w && lab[p + w] !== c)
    );
  };
  if (state.mode === 'difference') {
    for (let p = 0; p < plane; p++) {
      const t = truth[p];
      const q = pred[p];
      let row = 0;
      if (t !== q) {
        // a false positive of class q and/or a false negative of class t
        if (q > 0 && !hidden[q] && (!outline || edge(pred, p, q))) row = FP_ROW;
        else if (t > 0 && !hidden[t] && (!outline || edge(truth, p, t))) row = FN_ROW;
      }
      px[p] = table[row * 256 + img[p]];
    }
  } else {
    const labels = state.mode === 'truth' ? truth : pred;
    for (let p = 0; p < plane; p++) {
      const c = labels[p];
      const row = c > 0 && !hidden[c] && (!outline || edge(labels, p, c)) ? c % nColours || 1 : 0;
      px[p] = table[row * 256 + img[p]];
    }
  }
  ctx.putImageData(frame, 0, 0);
}
