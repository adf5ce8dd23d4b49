/**
 * Corresponding regions of two views (METHOD.md, "Remedy 1 — corresponding regions").
 *
 * The two views are different crops (with flips and a small rotation) of the same slice. We take the
 * intersection of the two crop boxes in original-image coordinates, lay a G×G grid of regions inside
 * it, and for every region build RoI-align-style pooling weights over each view's feature map: S×S
 * sample points at the centres of the region's sub-cells (image coordinates) are mapped into the view
 * through its exact geometry (`imageToView`: crop, rotation, flips), then into feature-map coordinates
 * (align-corners-false: cell j covers view pixels [j·s, (j+1)·s), centre (j+½)·s), and bilinearly
 * interpolated (coordinates clamped to the map, as RoI-align does). The weights of a region sum to 1.
 * Pooling is then one matmul: [R, Hf·Wf] × [Hf·Wf, C] per image, so the gradient reaches the encoder.
 *
 * Region r = i·G + j is row i (top to bottom in image coordinates), column j (left to right). The same
 * r is the same anatomy in both views, whatever the flips.
 */
import { boxIntersection, imageToView, type ViewGeometry } from '../data/augment';

export interface RegionPairOptions {
  grid: number;
  /** Skip when the overlap is below this fraction of either view's crop area. */
  minOverlap: number;
  /** Sample points per region side (RoI-align sampling ratio). Default 2. */
  samples?: number;
}

export interface RegionPair {
  /** Fraction of each view's crop box covered by the intersection. */
  overlap: [number, number];
  /** null when skipped (overlap too small or empty). */
  weights: null | {
    /** [R·Hf·Wf] row-major pooling weights of view A and view B. */
    a: Float32Array;
    b: Float32Array;
  };
}

/** Adds the bilinear weights of the point (fx, fy) (feature-map coordinates) into row `row` of `out`. */
function splat(out: Float32Array, row: number, Hf: number, Wf: number, fx: number, fy: number, w: number): void {
  const x = Math.min(Wf - 1, Math.max(0, fx));
  const y = Math.min(Hf - 1, Math.max(0, fy));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(Wf - 1, x0 + 1);
  const y1 = Math.min(Hf - 1, y0 + 1);
  const ax = x - x0;
  const ay = y - y0;
  const base = row * Hf * Wf;
  out[base + y0 * Wf + x0] += w * (1 - ax) * (1 - ay);
  out[base + y0 * Wf + x1] += w * ax * (1 - ay);
  out[base + y1 * Wf + x0] += w * (1 - ax) * ay;
  out[base + y1 * Wf + x1] += w * ax * ay;
}

/** Feature-map coordinates of an original-image point in a view whose feature map is Hf × Wf. */
export function imageToFeature(g: ViewGeometry, x: number, y: number, Hf: number, Wf: number): [number, number] {
  const [px, py] = imageToView(g, x, y);
  return [(px * Wf) / g.width - 0.5, (py * Hf) / g.height - 0.5];
}

/** Pooling weights of the G×G corresponding regions of two views on feature maps of Hf × Wf. */
export function regionPair(ga: ViewGeometry, gb: ViewGeometry, Hf: number, Wf: number, o: RegionPairOptions): RegionPair {
  const G = o.grid;
  const S = o.samples ?? 2;
  if (!Number.isInteger(G) || G < 1) throw new Error(`ssl.local.grid: ${G} is not a positive integer`);
  const inter = boxIntersection(ga.box, gb.box);
  const area = inter ? inter.w * inter.h : 0;
  const overlap: [number, number] = [area / (ga.box.w * ga.box.h), area / (gb.box.w * gb.box.h)];
  if (!inter || overlap[0] < o.minOverlap || overlap[1] < o.minOverlap) return { overlap, weights: null };
  const R = G * G;
  const a = new Float32Array(R * Hf * Wf);
  const b = new Float32Array(R * Hf * Wf);
  const w = 1 / (S * S);
  for (let i = 0; i < G; i++) {
    for (let j = 0; j < G; j++) {
      const r = i * G + j;
      for (let si = 0; si < S; si++) {
        for (let sj = 0; sj < S; sj++) {
          const x = inter.x + ((j + (sj + 0.5) / S) * inter.w) / G;
          const y = inter.y + ((i + (si + 0.5) / S) * inter.h) / G;
          const [ax, ay] = imageToFeature(ga, x, y, Hf, Wf);
          splat(a, r, Hf, Wf, ax, ay, w);
          const [bx, by] = imageToFeature(gb, x, y, Hf, Wf);
          splat(b, r, Hf, Wf, bx, by, w);
        }
      }
    }
  }
  return { overlap, weights: { a, b } };
}
