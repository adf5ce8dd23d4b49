/** The phantom's tissue rasteriser: Hounsfield value and label of one voxel, given the slice anatomy. */
import { valueNoise3 } from '../random';
import type { SliceAnatomy } from './anatomy';
import { LABEL as L } from './labels';
import { fatMod, type Patient } from './patient';
import { depth, type Blob } from './shapes';

function tex(p: Patient, u: number, v: number, z: number, cell: number, salt: number): number {
  return valueNoise3(u, v, z, cell, (p.seed + salt * 7919) >>> 0);
}

/** HU and label of one voxel. */
export function voxel(p: Patient, a: SliceAnatomy, u: number, v: number, z: number, t: number): [number, number] {
  // Table under the patient, touching the lowest point of the back.
  const postEdge = a.tableV;
  if (v > postEdge + 1 && v < postEdge + 7 && Math.abs(u) < 190) return [60 + 20 * tex(p, u, v, z, 10, 1), 0];
  // Body outline: flattened posteriorly.
  const vb = v > 0 ? v / p.postFlat : v;
  const dBody = depth(a.body, u, vb, t) * (v > 0 ? p.postFlat : 1);
  if (dBody < 0) return [-1000, 0];
  const theta = Math.atan2(v, u);
  const fatT = a.fat * fatMod(p, theta);
  if (dBody < 1.5) return [25, 0]; // skin
  if (dBody < fatT) return [-105 + 12 * tex(p, u, v, z, 6, 2), 0];
  const innerWall = fatT + a.muscle;
  // Ribs lie in the wall (and just inside it).
  for (const [ru, rv, rr] of a.ribs) {
    const d = Math.hypot(u - ru, (v - rv) * 1.4);
    if (d < rr) return [d > rr - 1.8 ? 850 : 300, 0];
  }
  if (dBody < innerWall) return [48 + 10 * tex(p, u, v, z, 8, 3), 0];
  const inside = dBody - innerWall; // depth inside the abdominal cavity + retroperitoneum (mm)

  // Spine: vertebral body, canal, posterior elements; label 'vertebra'.
  const vs = a.vs;
  const s = p.s;
  {
    const du = u;
    const dv = v - vs;
    const rb = Math.hypot(du / 19, dv / 16.5) * 1;
    if (rb < 1 / s) {
      const edge = 1 / s - rb;
      return [edge < 0.12 ? 900 + 80 * tex(p, u, v, z, 3, 4) : 230 + 60 * tex(p, u, v, z, 3, 5), L.vertebra];
    }
    const canal = Math.hypot(du, dv - 27 * s);
    if (canal < 9 * s) return [25, 0];
    if (canal < 15 * s && dv > 14 * s) return [800, L.vertebra];
    if (Math.hypot(du / 5, (dv - 50 * s) / 17) < s) return [750, L.vertebra];
    if (Math.abs(t * 20 - Math.round(t * 20)) < 0.2 && Math.hypot((Math.abs(du) - 26 * s) / 11, (dv - 20 * s) / 4.5) < s)
      return [700, L.vertebra];
  }
  for (const m of a.paraspinal) if (depth(m, u, v, t) > 0) return [52 + 10 * tex(p, u, v, z, 6, 6), 0];
  // Vessels.
  if (depth(a.aorta, u, v, t) > 0) return [150 + p.hu + 8 * tex(p, u, v, z, 10, 7), L.aorta];
  if (depth(a.ivc, u, v, t) > 0) return [125 + p.hu + 8 * tex(p, u, v, z, 10, 8), L.inferior_vena_cava];
  for (const m of a.psoas) if (depth(m, u, v, t) > 0) return [50 + 8 * tex(p, u, v, z, 6, 9), 0];
  // Kidneys: cortex, medulla, sinus fat at the medial hilum.
  for (const [kb, lab, side] of [
    [a.kidneyL, L.kidney_left, 1],
    [a.kidneyR, L.kidney_right, -1],
  ] as Array<[Blob, number, number]>) {
    const d = depth(kb, u, v, t);
    if (d > 0) {
      const hil = Math.hypot(u - (kb.cu - side * kb.a * 0.55), v - (kb.cv - kb.b * 0.25));
      if (hil < kb.b * 0.45) return [-40 + 20 * tex(p, u, v, z, 4, 10), lab];
      return [d < 5 ? 185 + p.hu : 140 + p.hu + 15 * tex(p, u, v, z, 4, 11), lab];
    }
  }
  if (inside < 1) return [-90 + 10 * tex(p, u, v, z, 6, 12), 0];
  // Lung bases behind the diaphragm dome (unlabelled), unless the liver/spleen fill it.
  const liverD = Math.max(depth(a.liver[0], u, v, t), depth(a.liver[1], u, v, t));
  if (liverD > 0 && inside > 1) {
    if (depth(a.gall, u, v, t) > 0) return [12 + 4 * tex(p, u, v, z, 8, 13), L.gallbladder];
    const vessel = tex(p, u, v, z, 9, 14);
    return [(vessel > 0.55 ? 160 : 105) + p.hu + 7 * tex(p, u, v, z, 5, 15), L.liver];
  }
  if (depth(a.gall, u, v, t) > 0) return [12 + 4 * tex(p, u, v, z, 8, 13), L.gallbladder];
  if (depth(a.spleen, u, v, t) > 0 && inside > 1) return [115 + p.hu + 6 * tex(p, u, v, z, 5, 16), L.spleen];
  for (const lung of a.lungs) if (lung.a > 1 && depth(lung, u, v, t) > 0) return [-860 + 40 * tex(p, u, v, z, 5, 17), 0];
  {
    const d = depth(a.stomach, u, v, t);
    if (d > 0) {
      if (d < 4) return [60 + 10 * tex(p, u, v, z, 6, 18), L.stomach];
      // Gas rises anteriorly (the patient lies supine); more gas near the fundus (top).
      const gasLine = a.stomach.cv - a.stomach.b * (0.2 + 1.2 * Math.max(0, t - 0.05));
      if (v < gasLine) return [-980, L.stomach];
      return [22 + 12 * tex(p, u, v, z, 10, 19), L.stomach];
    }
  }
  if (a.pancreas) {
    const { pts, r } = a.pancreas;
    for (let q = 0; q < pts.length; q++) {
      if (r[q] <= 0) continue;
      const d = Math.hypot(u - pts[q][0], v - pts[q][1]);
      if (d < r[q] * (1 + 0.12 * tex(p, u, v, z, 4, 20))) return [95 + p.hu * 0.5 + 14 * tex(p, u, v, z, 3, 21), L.pancreas];
    }
  }
  // Colon: wall, gas and stool.
  for (let q = 0; q < a.colon.length; q++) {
    const cb = a.colon[q];
    if (cb.a <= 1) continue;
    const d = depth(cb, u, v, t);
    if (d > 0) {
      if (d < 2.5) return [45, 0];
      const st = tex(p, u, v, z, 5, 22 + q);
      return st > 0.1 ? [-960, 0] : [-80 + 140 * (st + 1), 0];
    }
  }
  // Small bowel loops in the anterior and lower cavity; mesenteric / retroperitoneal fat elsewhere.
  const anterior = v < a.vs - 25;
  const bowelWeight = anterior ? Math.min(1, 0.3 + 1.4 * Math.max(0, t - 0.25)) : 0.15;
  const n1 = tex(p, u, v, z, 14, 30);
  const n2 = tex(p, u, v, z, 6, 31);
  const loop = n1 + 0.35 * n2 - (1 - bowelWeight) * 0.9;
  if (loop > 0.05) {
    if (loop < 0.13) return [45 + 10 * n2, 0]; // bowel wall
    const g = tex(p, u, v, z, 9, 32);
    if (g > 0.72) return [-950, 0];
    return [25 + 15 * g, 0];
  }
  // Mesenteric vessels as small bright dots in the fat.
  if (tex(p, u, v, z, 3, 33) > 0.85) return [130, 0];
  return [-95 + 10 * tex(p, u, v, z, 6, 34), 0];
}
