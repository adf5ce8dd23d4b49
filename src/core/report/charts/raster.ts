/**
 * A small rasteriser for chart scenes (scene.ts) so `medssl report` can write PNG figures in plain Node:
 * no canvas module, no browser. Lines are antialiased by their distance to the pixel centre, text is
 * blitted from a glyph atlas of DejaVu Sans (glyphs.ts), rectangles and polygons fill whole pixels.
 * The PNG is drawn at `scale` × the SVG's size (2 by default: sharp enough for a paper at column width).
 */
import { decode, encode } from 'fast-png';
import { GLYPH_ADVANCE, GLYPH_ATLAS_PNG, GLYPH_BASELINE, GLYPH_CHARS, GLYPH_LEFT, GLYPH_W, GLYPH_X } from './glyphs';
import type { Scene, Shape } from './scene';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, 3 bytes a pixel, row-major. */
  data: Uint8Array;
}

/** '#rgb' or '#rrggbb' → [r, g, b]; anything else draws black. */
export function parseColor(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c.trim());
  if (!m) return [0, 0, 0];
  const h = m[1].length === 3 ? [...m[1]].map((x) => x + x).join('') : m[1];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

let atlas: { width: number; height: number; a: Uint8Array } | null = null;
function glyphAtlas() {
  if (!atlas) {
    const img = decode(Buffer.from(GLYPH_ATLAS_PNG, 'base64'));
    atlas = { width: img.width, height: img.height, a: img.data as Uint8Array };
  }
  return atlas;
}
const glyphIndex = new Map([...GLYPH_CHARS].map((c, i) => [c, i]));

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }
  blend(x: number, y: number, c: [number, number, number], a: number) {
    if (a <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    const k = Math.min(1, a);
    for (let j = 0; j < 3; j++) this.data[o + j] = Math.round(this.data[o + j] * (1 - k) + c[j] * k);
  }
}

/** Coverage of a pixel centre by a stroke of half-width hw along segment (ax, ay)–(bx, by). */
function segmentCoverage(px: number, py: number, ax: number, ay: number, bx: number, by: number, hw: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  const d = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
  return Math.max(0, Math.min(1, hw + 0.5 - d));
}

/** A polyline stroked once: the coverage of overlapping segments is the maximum, not the sum, so joints do not darken. */
function stroke(cv: Canvas, p: Array<[number, number]>, width: number, color: [number, number, number]) {
  if (p.length < 2) return;
  const hw = Math.max(0.5, width / 2);
  const xs = p.map((q) => q[0]);
  const ys = p.map((q) => q[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs) - hw - 1));
  const x1 = Math.min(cv.width - 1, Math.ceil(Math.max(...xs) + hw + 1));
  const y0 = Math.max(0, Math.floor(Math.min(...ys) - hw - 1));
  const y1 = Math.min(cv.height - 1, Math.ceil(Math.max(...ys) + hw + 1));
  if (x1 < x0 || y1 < y0) return;
  const w = x1 - x0 + 1;
  const cov = new Float32Array(w * (y1 - y0 + 1));
  for (let s = 0; s + 1 < p.length; s++) {
    const [ax, ay] = p[s];
    const [bx, by] = p[s + 1];
    const sx0 = Math.max(x0, Math.floor(Math.min(ax, bx) - hw - 1));
    const sx1 = Math.min(x1, Math.ceil(Math.max(ax, bx) + hw + 1));
    const sy0 = Math.max(y0, Math.floor(Math.min(ay, by) - hw - 1));
    const sy1 = Math.min(y1, Math.ceil(Math.max(ay, by) + hw + 1));
    for (let y = sy0; y <= sy1; y++)
      for (let x = sx0; x <= sx1; x++) {
        const c = segmentCoverage(x + 0.5, y + 0.5, ax, ay, bx, by, hw);
        const i = (y - y0) * w + (x - x0);
        if (c > cov[i]) cov[i] = c;
      }
  }
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) cv.blend(x, y, color, cov[(y - y0) * w + (x - x0)]);
}

/** Even-odd fill at pixel centres. */
function fillPolygon(cv: Canvas, p: Array<[number, number]>, color: [number, number, number], alpha: number) {
  const ys = p.map((q) => q[1]);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(cv.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    const xs: number[] = [];
    for (let i = 0; i < p.length; i++) {
      const [ax, ay] = p[i];
      const [bx, by] = p[(i + 1) % p.length];
      if (ay <= cy !== by <= cy) xs.push(ax + ((cy - ay) / (by - ay)) * (bx - ax));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2)
      for (let x = Math.max(0, Math.ceil(xs[k] - 0.5)); x <= Math.min(cv.width - 1, Math.floor(xs[k + 1] - 0.5)); x++)
        cv.blend(x, y, color, alpha);
  }
}

/** Width in pixels of a string in the atlas font (unknown characters draw as '?'). */
export function rasterTextWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += GLYPH_ADVANCE[glyphIndex.get(ch) ?? glyphIndex.get('?')!];
  return w;
}

/** Text at the atlas's one size (an 11-unit font at scale 2) whatever the shape's size: glyphs are not resampled, so they stay crisp. */
function drawText(cv: Canvas, s: Extract<Shape, { kind: 'text' }>, scale: number) {
  const at = glyphAtlas();
  const color = parseColor(s.fill ?? '#222');
  const total = rasterTextWidth(s.text);
  const shift = s.anchor === 'middle' ? total / 2 : s.anchor === 'end' ? total : 0;
  const ox = s.x * scale;
  const oy = s.y * scale;
  // pen position along the text, in pixels from its start
  let pen = -shift;
  for (const ch of s.text) {
    const g = glyphIndex.get(ch) ?? glyphIndex.get('?')!;
    for (let gy = 0; gy < at.height; gy++)
      for (let gx = 0; gx < GLYPH_W[g]; gx++) {
        const a = at.a[gy * at.width + GLYPH_X[g] + gx] / 255;
        if (a <= 0) continue;
        // along = distance along the baseline, across = below the baseline
        const along = pen + GLYPH_LEFT[g] + gx;
        const across = gy - GLYPH_BASELINE;
        for (let b = 0; b < (s.bold ? 2 : 1); b++) {
          const x = s.vertical ? ox + across : ox + along + b;
          const y = s.vertical ? oy - along - b : oy + across;
          cv.blend(Math.round(x), Math.round(y), color, a);
        }
      }
    pen += GLYPH_ADVANCE[g];
  }
}

/** The scene drawn on white at `scale` pixels per unit. */
export function rasterize(scene: Scene, scale = 2): RgbImage {
  const cv = new Canvas(Math.round(scene.width * scale), Math.round(scene.height * scale));
  const S = (v: number) => v * scale;
  for (const s of scene.shapes) {
    switch (s.kind) {
      case 'rect': {
        const c = parseColor(s.fill);
        for (let y = Math.max(0, Math.round(S(s.y))); y < Math.min(cv.height, Math.round(S(s.y + s.h))); y++)
          for (let x = Math.max(0, Math.round(S(s.x))); x < Math.min(cv.width, Math.round(S(s.x + s.w))); x++)
            cv.blend(x, y, c, s.opacity ?? 1);
        break;
      }
      case 'line':
        stroke(
          cv,
          [
            [S(s.x1), S(s.y1)],
            [S(s.x2), S(s.y2)],
          ],
          S(s.width ?? 1),
          parseColor(s.stroke),
        );
        break;
      case 'polyline':
        stroke(
          cv,
          s.points.map(([x, y]) => [S(x), S(y)]),
          S(s.width ?? 1.6),
          parseColor(s.stroke),
        );
        break;
      case 'polygon':
        fillPolygon(
          cv,
          s.points.map(([x, y]) => [S(x), S(y)]),
          parseColor(s.fill),
          s.opacity ?? 1,
        );
        break;
      case 'text':
        drawText(cv, s, scale);
        break;
    }
  }
  return { width: cv.width, height: cv.height, data: cv.data };
}

/** The scene as PNG bytes (RGB, 8-bit). */
export function scenePng(scene: Scene, scale = 2): Uint8Array {
  const img = rasterize(scene, scale);
  return encode({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}
