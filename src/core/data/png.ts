/**
 * Grayscale PNG slices (8- and 16-bit) through fast-png, and window → 8-bit rendering for montages.
 *
 * fast-png is ESM; Node ≥ 20.19 loads it from our CommonJS output with require(), and the esbuild
 * bundles inline it.
 */
import { decode, encode } from 'fast-png';
import { DataError } from './errors';
import type { Slice } from './volume';

export interface GrayPng {
  width: number;
  height: number;
  depth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

/** Decodes a grayscale PNG (8 or 16 bit). Colour PNGs are accepted when R = G = B. */
export function decodeGrayPng(bytes: Uint8Array, file = 'input', caseId?: string): GrayPng {
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new DataError(file, `not a readable PNG (${(e as Error).message})`, caseId);
  }
  const { width, height, channels, depth } = png;
  if (depth !== 8 && depth !== 16)
    throw new DataError(file, `PNG bit depth ${depth} is not supported; 8- or 16-bit grayscale is needed`, caseId);
  if (png.palette) throw new DataError(file, 'palette (indexed-colour) PNG; save slices as grayscale', caseId);
  const src = png.data as Uint8Array | Uint16Array;
  if (channels === 1 || channels === 2) {
    if (channels === 1) return { width, height, depth, data: src };
    const out = depth === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = src[2 * i];
    return { width, height, depth, data: out };
  }
  const out = depth === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const r = src[channels * i];
    if (src[channels * i + 1] !== r || src[channels * i + 2] !== r) {
      throw new DataError(
        file,
        `colour PNG (pixel ${i % width},${Math.floor(i / width)} is not gray); CT slices must be grayscale`,
        caseId,
      );
    }
    out[i] = r;
  }
  return { width, height, depth, data: out };
}

export function encodeGrayPng(img: GrayPng): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, depth: img.depth, channels: 1 });
}

/** HU slice → 16-bit PNG of HU + 1024 (the authors' slice format), clipped to 0..65535. */
export function huSliceTo16BitPng(slice: Slice): Uint8Array {
  const data = new Uint16Array(slice.width * slice.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(65535, Math.round(slice.data[i] + 1024)));
  return encodeGrayPng({ width: slice.width, height: slice.height, depth: 16, data });
}

/** Renders a slice through a window [lo, hi] to 8-bit gray. */
export function windowTo8Bit(slice: Slice, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(slice.width * slice.height);
  const k = 255 / (hi - lo);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((slice.data[i] - lo) * k)));
  return out;
}

/**
 * Lays slices out in a grid (row-major, `cols` per row) and renders them through a window to an
 * 8-bit gray PNG; an optional label slice per tile is drawn as coloured outlines (RGB PNG then).
 */
export function montagePng(tiles: Array<{ image: Slice; label?: Slice }>, cols: number, window: [number, number], gap = 2): Uint8Array {
  if (tiles.length === 0) throw new Error('montagePng: no slices');
  const w = tiles[0].image.width;
  const h = tiles[0].image.height;
  const rows = Math.ceil(tiles.length / cols);
  const W = cols * w + (cols - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const withLabels = tiles.some((t) => t.label);
  const ch = withLabels ? 3 : 1;
  const out = new Uint8Array(W * H * ch);
  tiles.forEach((t, n) => {
    const ox = (n % cols) * (w + gap);
    const oy = Math.floor(n / cols) * (h + gap);
    const g = windowTo8Bit(t.image, window[0], window[1]);
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++) {
        const o = ((oy + r) * W + ox + c) * ch;
        const v = g[c + w * r];
        let rgb: [number, number, number] = [v, v, v];
        if (t.label) {
          const l = t.label.data[c + w * r];
          const edge =
            l > 0 &&
            (c === 0 ||
              r === 0 ||
              c === w - 1 ||
              r === h - 1 ||
              t.label.data[c - 1 + w * r] !== l ||
              t.label.data[c + 1 + w * r] !== l ||
              t.label.data[c + w * (r - 1)] !== l ||
              t.label.data[c + w * (r + 1)] !== l);
          if (edge) rgb = LABEL_COLOURS[(l - 1) % LABEL_COLOURS.length];
        }
        for (let q = 0; q < ch; q++) out[o + q] = rgb[q];
      }
  });
  return encode({ width: W, height: H, data: out, depth: 8, channels: ch });
}

const LABEL_COLOURS: Array<[number, number, number]> = [
  [230, 60, 60],
  [60, 200, 60],
  [70, 110, 255],
  [240, 220, 40],
  [230, 90, 230],
  [40, 220, 220],
  [255, 150, 40],
  [150, 100, 255],
  [120, 255, 160],
  [255, 120, 160],
];
