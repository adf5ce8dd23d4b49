/**
 * A chart as a list of shapes in one coordinate system (SVG user units, y down), so the same chart is
 * written as inline SVG for the HTML report and rasterised to PNG (raster.ts) with identical geometry,
 * and tests can check positions on the shapes rather than on markup.
 */

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string; opacity?: number; data?: Record<string, string> }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width?: number; data?: Record<string, string> }
  | { kind: 'polyline'; points: Array<[number, number]>; stroke: string; width?: number; data?: Record<string, string> }
  | { kind: 'polygon'; points: Array<[number, number]>; fill: string; opacity?: number; data?: Record<string, string> }
  | {
      kind: 'text';
      x: number;
      /** Baseline, as in SVG. */
      y: number;
      text: string;
      anchor?: 'start' | 'middle' | 'end';
      size?: number;
      bold?: boolean;
      /** Rotated 90° counter-clockwise about (x, y): reads bottom to top (a y-axis title). */
      vertical?: boolean;
      fill?: string;
    };

export interface Scene {
  width: number;
  height: number;
  shapes: Shape[];
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const attrs = (d?: Record<string, string>) =>
  d
    ? Object.entries(d)
        .map(([k, v]) => ` data-${k}="${esc(v)}"`)
        .join('')
    : '';
const pts = (p: Array<[number, number]>) => p.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');

/** Average advance of the sans-serif font per unit of font size: enough to lay out legends and truncate labels. */
export const CHAR_EM = 0.58;
export const textWidth = (s: string, size = 11) => s.length * size * CHAR_EM;

/** Cuts a label to fit `width` (an ellipsis marks the cut). */
export function fitText(s: string, width: number, size = 11): string {
  if (textWidth(s, size) <= width) return s;
  const keep = Math.max(1, Math.floor(width / (size * CHAR_EM)) - 1);
  return `${s.slice(0, keep)}…`;
}

function shapeSvg(s: Shape): string {
  switch (s.kind) {
    case 'rect':
      return `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.w)}" height="${n(s.h)}" fill="${s.fill}"${s.opacity !== undefined ? ` fill-opacity="${s.opacity}"` : ''}${attrs(s.data)}/>`;
    case 'line':
      return `<line x1="${n(s.x1)}" y1="${n(s.y1)}" x2="${n(s.x2)}" y2="${n(s.y2)}" stroke="${s.stroke}" stroke-width="${s.width ?? 1}"${attrs(s.data)}/>`;
    case 'polyline':
      return `<polyline fill="none" stroke="${s.stroke}" stroke-width="${s.width ?? 1.6}" points="${pts(s.points)}"${attrs(s.data)}/>`;
    case 'polygon':
      return `<polygon fill="${s.fill}"${s.opacity !== undefined ? ` fill-opacity="${s.opacity}"` : ''} stroke="none" points="${pts(s.points)}"${attrs(s.data)}/>`;
    case 'text': {
      const anchor = s.anchor && s.anchor !== 'start' ? ` text-anchor="${s.anchor}"` : '';
      const place = s.vertical ? `transform="translate(${n(s.x)} ${n(s.y)}) rotate(-90)"` : `x="${n(s.x)}" y="${n(s.y)}"`;
      return `<text ${place}${anchor}${s.size ? ` font-size="${s.size}"` : ''}${s.bold ? ' font-weight="bold"' : ''}${s.fill ? ` fill="${s.fill}"` : ''}>${esc(s.text)}</text>`;
    }
  }
}

/** The scene as an inline SVG element (sans-serif, 11 units). */
export function sceneToSvg(scene: Scene, data?: Record<string, string>): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="sans-serif" font-size="11"${attrs(data)}>` +
    `<rect width="${scene.width}" height="${scene.height}" fill="#fff"/>${scene.shapes.map(shapeSvg).join('')}</svg>`
  );
}
