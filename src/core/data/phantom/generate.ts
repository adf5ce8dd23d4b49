/**
 * The built-in phantom: deterministic, seeded abdominal CT volumes in Hounsfield units with organ labels.
 *
 * Each "patient" (case index + seed) draws its own body size, fat thickness, organ positions, sizes,
 * shapes, cranio-caudal extents and contrast phase; within a volume every structure's outline varies
 * smoothly along z. Intensities follow a portal-venous contrast CT: fat ≈ −100, muscle ≈ 50, liver and
 * spleen ≈ 105–120, enhanced aorta ≈ 160, renal cortex ≈ 190, cortical bone ≈ 900, bowel gas ≈ −950,
 * plus organ texture (smooth noise) and scanner noise (Gaussian, σ ≈ 12 HU).
 *
 * Geometry: the volume is generated in DICOM-like LPS voxel order (i → patient left, j → posterior,
 * k → superior) and its affine says so; readers reorient to RAS (volume.ts) like any real file.
 * Anatomy is modelled in millimetres: u = patient-left offset from the body centre, v = posterior offset,
 * t ∈ [0, 1] from the top slice (liver dome) to the bottom slice (below the kidneys).
 */
import { normal, seededRandom, uniform, valueNoise3, hashString, type RandomSource } from '../random';
import type { Affine, Vec3, Volume } from '../volume';

export const PHANTOM_LABELS = [
  'background',
  'liver',
  'spleen',
  'kidney_right',
  'kidney_left',
  'stomach',
  'aorta',
  'vertebra',
  'pancreas',
  'inferior_vena_cava',
  'gallbladder',
] as const;
export type PhantomLabelName = (typeof PHANTOM_LABELS)[number];
const L: Record<PhantomLabelName, number> = Object.fromEntries(PHANTOM_LABELS.map((n, i) => [n, i])) as Record<PhantomLabelName, number>;

export interface PhantomOptions {
  /** Dataset seed; with the case index it determines every voxel. Default 0. */
  seed?: number;
  /** Voxel grid [nx, ny, nz]. Default [128, 128, 48]. */
  shape?: Vec3;
  /** In-plane field of view in mm (square). Default 400. */
  fovMm?: number;
  /** Cranio-caudal length covered in mm. Default 240. */
  lengthMm?: number;
  /** Standard deviation of the scanner noise in HU. Default 12. */
  noiseHU?: number;
}

export interface PhantomCase {
  id: string;
  /** HU, float32, LPS voxel order (see the affine). */
  image: Volume;
  /** Label values 0..10 (PHANTOM_LABELS), same grid and affine. */
  label: Volume;
}

/** A blob: an ellipse (half-axes a, b, rotated by `rot`) with a few radial harmonics. */
interface Blob {
  cu: number;
  cv: number;
  a: number;
  b: number;
  rot: number;
  harm: Harmonics;
}
interface Harmonics {
  amp: number[];
  phase: number[];
  drift: number[];
}

function harmonics(r: RandomSource, strength: number): Harmonics {
  return {
    amp: [2, 3, 4].map(() => Math.abs(normal(r, 0, strength))),
    phase: [2, 3, 4].map(() => uniform(r, 0, 2 * Math.PI)),
    drift: [2, 3, 4].map(() => uniform(r, -3, 3)),
  };
}

/** Radius of the blob boundary in direction θ at cranio-caudal position t. */
function blobRadius(bl: Blob, theta: number, t: number): number {
  const th = theta - bl.rot;
  const c = Math.cos(th);
  const s = Math.sin(th);
  let r = (bl.a * bl.b) / Math.sqrt(bl.b * bl.b * c * c + bl.a * bl.a * s * s);
  let f = 1;
  for (let k = 0; k < 3; k++) f += bl.harm.amp[k] * Math.cos((k + 2) * theta + bl.harm.phase[k] + bl.harm.drift[k] * t);
  r *= f;
  return r;
}

/** Signed depth (mm) of point (u, v) inside the blob along its ray: > 0 inside. */
function depth(bl: Blob, u: number, v: number, t: number): number {
  if (bl.a <= 0 || bl.b <= 0) return -1e9;
  const du = u - bl.cu;
  const dv = v - bl.cv;
  const rr = du * du + dv * dv;
  const m = Math.max(bl.a, bl.b) * 1.5;
  if (rr > m * m) return -1e9;
  const r = Math.sqrt(rr);
  return blobRadius(bl, Math.atan2(dv, du), t) - r;
}

/** 0 outside (t0, t1), rising to 1 at tp along two quarter-ellipses. */
function profile(t: number, t0: number, tp: number, t1: number): number {
  if (t <= t0 || t >= t1) return 0;
  const x = t < tp ? (tp - t) / (tp - t0) : (t - tp) / (t1 - tp);
  return Math.sqrt(Math.max(0, 1 - x * x));
}

/** Everything random about one patient. */
interface Patient {
  s: number; // overall size
  bodyA: number;
  bodyB: number;
  postFlat: number;
  fat: number; // subcutaneous fat thickness (mm)
  fatVar: number[];
  muscle: number;
  bodyHarm: Harmonics;
  spineV: number;
  hu: number; // contrast-phase offset for enhancing organs
  dz: number; // cranio-caudal shift of the anatomy
  organ: Record<string, { du: number; dv: number; sc: number; dt: number; rot: number; harm: Harmonics }>;
  seed: number;
}

function drawPatient(seed: number, index: number): Patient {
  const r = seededRandom(`medssl-phantom/${seed}/${index}`);
  const s = uniform(r, 0.88, 1.1);
  const bodyA = 158 * s * uniform(r, 0.93, 1.07);
  const bodyB = 112 * s * uniform(r, 0.92, 1.08);
  const postFlat = uniform(r, 0.8, 0.88);
  const organ: Patient['organ'] = {};
  for (const name of [
    'liverR',
    'liverL',
    'spleen',
    'stomach',
    'kidneyL',
    'kidneyR',
    'pancreas',
    'gallbladder',
    'aorta',
    'ivc',
    'colonA',
    'colonD',
    'colonT',
  ]) {
    organ[name] = {
      du: normal(r, 0, 5),
      dv: normal(r, 0, 5),
      sc: uniform(r, 0.88, 1.12),
      dt: normal(r, 0, 0.025),
      rot: normal(r, 0, 0.12),
      harm: harmonics(r, 0.035),
    };
  }
  return {
    s,
    bodyA,
    bodyB,
    postFlat,
    fat: uniform(r, 10, 32),
    fatVar: [uniform(r, 0, 6.28), uniform(r, 0.2, 0.5)],
    muscle: uniform(r, 9, 14),
    bodyHarm: harmonics(r, 0.02),
    spineV: bodyB * postFlat - 92 * s,
    hu: normal(r, 0, 8),
    dz: normal(r, 0, 0.03),
    organ,
    seed: hashString(`medssl-phantom-noise/${seed}/${index}`),
  };
}

/** Generates one phantom case. Deterministic in (opts.seed, index). */
export function generatePhantomCase(index: number, opts: PhantomOptions = {}): PhantomCase {
  const seed = opts.seed ?? 0;
  const [nx, ny, nz] = opts.shape ?? [128, 128, 48];
  const fov = opts.fovMm ?? 400;
  const length = opts.lengthMm ?? 240;
  const noiseHU = opts.noiseHU ?? 12;
  const sx = fov / nx;
  const sy = fov / ny;
  const sz = length / nz;
  const p = drawPatient(seed, index);
  const image = new Float32Array(nx * ny * nz);
  const label = new Float32Array(nx * ny * nz);
  const noise = seededRandom(`medssl-phantom-scanner/${seed}/${index}`);
  const bodyCv = -8 * p.s; // the body centre sits a little anterior to the image centre

  for (let k = 0; k < nz; k++) {
    // k = 0 is the most inferior slice (k grows toward superior), t = 0 at the top.
    const t = 1 - (k + 0.5) / nz + p.dz;
    const zmm = k * sz;
    const sl = sliceAnatomy(p, t);
    for (let j = 0; j < ny; j++) {
      const v = (j - (ny - 1) / 2) * sy - bodyCv;
      for (let i = 0; i < nx; i++) {
        const u = (i - (nx - 1) / 2) * sx;
        const [hu, lab] = voxel(p, sl, u, v, zmm, t);
        const o = i + nx * (j + ny * k);
        image[o] = hu + (hu > -990 ? normal(noise, 0, noiseHU) : normal(noise, 0, noiseHU * 0.3));
        label[o] = lab;
      }
    }
  }
  // LPS voxel order: x_RAS = −u, y_RAS = −v; centred on the image centre, z from 0 upward.
  const affine: Affine = [
    [-sx, 0, 0, (sx * (nx - 1)) / 2],
    [0, -sy, 0, (sy * (ny - 1)) / 2],
    [0, 0, sz, -length / 2],
    [0, 0, 0, 1],
  ];
  const spacing: Vec3 = [sx, sy, sz];
  const id = `phantom_${String(index).padStart(3, '0')}`;
  return {
    id,
    image: { data: image, shape: [nx, ny, nz], spacing, affine: affine.map((r) => r.slice()) },
    label: { data: label, shape: [nx, ny, nz], spacing: [...spacing] as Vec3, affine: affine.map((r) => r.slice()) },
  };
}

/** Per-slice shapes (computed once per slice). */
interface SliceAnatomy {
  body: Blob;
  fat: number;
  muscle: number;
  liver: Blob[];
  spleen: Blob;
  stomach: Blob;
  kidneyL: Blob;
  kidneyR: Blob;
  gall: Blob;
  aorta: Blob;
  ivc: Blob;
  colon: Blob[];
  lungs: Blob[];
  psoas: Blob[];
  paraspinal: Blob[];
  pancreas: { pts: Array<[number, number]>; r: number[] } | null;
  ribs: Array<[number, number, number]>; // u, v, radius
  vs: number;
  t: number;
  tableV: number;
}

function organBlob(p: Patient, name: string, cu: number, cv: number, a: number, b: number, rot: number, f: number): Blob {
  const o = p.organ[name];
  return { cu: cu * p.s + o.du, cv: cv + o.dv, a: a * p.s * o.sc * f, b: b * p.s * o.sc * f, rot: rot + o.rot, harm: o.harm };
}

function sliceAnatomy(p: Patient, t: number): SliceAnatomy {
  const s = p.s;
  const vs = p.spineV;
  const o = p.organ;
  // The body is a little narrower at the lower ribs than at the iliac crests.
  const widen = 1 + 0.05 * (t - 0.5);
  const body: Blob = { cu: 0, cv: 0, a: p.bodyA * widen, b: p.bodyB, rot: 0, harm: p.bodyHarm };
  const liverF = profile(t, -0.25 + o.liverR.dt, 0.12 + o.liverR.dt, 0.66 + o.liverR.dt);
  const liverLF = profile(t, -0.25 + o.liverL.dt, 0.08 + o.liverL.dt, 0.36 + o.liverL.dt);
  const liver = [
    organBlob(p, 'liverR', -62 - 10 * t, -8 + 10 * t, 78 - 20 * t, 88 - 10 * t, 0.25, liverF),
    organBlob(p, 'liverL', 2 - 20 * t, -55, 62, 30, 0.2, liverLF),
  ];
  const spleen = organBlob(
    p,
    'spleen',
    86,
    vs - 10 + 20 * t,
    24,
    52,
    0.75,
    profile(t, -0.05 + o.spleen.dt, 0.18 + o.spleen.dt, 0.48 + o.spleen.dt),
  );
  const stomach = organBlob(
    p,
    'stomach',
    48 - 20 * t,
    -38 + 10 * t,
    50,
    36,
    0.35,
    profile(t, -0.15 + o.stomach.dt, 0.12 + o.stomach.dt, 0.5 + o.stomach.dt),
  );
  const kL = profile(t, 0.34 + o.kidneyL.dt, 0.56 + o.kidneyL.dt, 0.8 + o.kidneyL.dt);
  const kR = profile(t, 0.4 + o.kidneyR.dt, 0.62 + o.kidneyR.dt, 0.86 + o.kidneyR.dt);
  const kidneyL = organBlob(p, 'kidneyL', 62 + 6 * t, vs + 6, 30, 22, -0.7, kL);
  const kidneyR = organBlob(p, 'kidneyR', -62 - 6 * t, vs + 8, 30, 22, 0.7, kR);
  const gall = organBlob(
    p,
    'gallbladder',
    -42,
    -42,
    15,
    24,
    -0.5,
    profile(t, 0.3 + o.gallbladder.dt, 0.44 + o.gallbladder.dt, 0.58 + o.gallbladder.dt),
  );
  const aortaR = 11.5 - 1.5 * t;
  const aorta: Blob = {
    cu: 14 * s + o.aorta.du * 0.3,
    cv: vs - 30 + o.aorta.dv * 0.3,
    a: aortaR * o.aorta.sc,
    b: aortaR * o.aorta.sc,
    rot: 0,
    harm: { amp: [0, 0, 0], phase: [0, 0, 0], drift: [0, 0, 0] },
  };
  const ivc: Blob = {
    cu: -24 * s + o.ivc.du * 0.3,
    cv: vs - 26 + o.ivc.dv * 0.3,
    a: 14 * o.ivc.sc,
    b: 10 * o.ivc.sc,
    rot: 0.2,
    harm: o.ivc.harm,
  };
  const colon = [
    organBlob(p, 'colonA', -98, 5 - 30 * t, 22, 20, 0, profile(t, 0.42 + o.colonA.dt, 0.8, 1.3)),
    organBlob(p, 'colonD', 100, 15 - 20 * t, 17, 17, 0, profile(t, 0.3 + o.colonD.dt, 0.7, 1.3)),
    organBlob(p, 'colonT', 0, -72, 85, 17, 0, profile(t, 0.4 + o.colonT.dt, 0.52 + o.colonT.dt, 0.64 + o.colonT.dt)),
  ];
  const lungF = profile(t, -0.3, -0.1, 0.1);
  const noHarm: Harmonics = { amp: [0.03, 0.02, 0.01], phase: [0, 1, 2], drift: [0, 0, 0] };
  const lungs: Blob[] = [
    { cu: -85 * s, cv: vs + 5, a: 55 * s * lungF, b: 50 * s * lungF, rot: 0.5, harm: noHarm },
    { cu: 85 * s, cv: vs + 5, a: 55 * s * lungF, b: 50 * s * lungF, rot: -0.5, harm: noHarm },
  ];
  const psoasF = Math.max(0, Math.min(1, (t - 0.45) / 0.5));
  const psoas: Blob[] = [-1, 1].map((side) => ({
    cu: side * (30 + 14 * psoasF) * s,
    cv: vs + 2,
    a: (5 + 13 * psoasF) * s,
    b: (6 + 12 * psoasF) * s,
    rot: side * 0.5,
    harm: noHarm,
  }));
  const paraspinal: Blob[] = [-1, 1].map((side) => ({
    cu: side * 33 * s,
    cv: vs + 50 * s,
    a: 24 * s,
    b: 22 * s,
    rot: side * 0.3,
    harm: noHarm,
  }));
  // Pancreas: a curved band from the head (beside the duodenum, lower) to the tail (splenic hilum, higher).
  let pancreas: SliceAnatomy['pancreas'] = null;
  {
    const po = o.pancreas;
    const pts: Array<[number, number]> = [];
    const r: number[] = [];
    const N = 20;
    for (let q = 0; q <= N; q++) {
      const a = q / N; // 0 head, 1 tail
      const b0 = 1 - a;
      // quadratic Bézier: head (−28, vs−42), control (10, vs−70), tail (78, vs−18)
      const u = (b0 * b0 * -28 + 2 * a * b0 * 12 + a * a * 78) * s + po.du;
      const v = b0 * b0 * (vs - 42) + 2 * a * b0 * (vs - 72) + a * a * (vs - 18) + po.dv;
      const tc = 0.5 - 0.12 * a + po.dt;
      const f = profile(t, tc - 0.08, tc, tc + 0.08);
      pts.push([u, v]);
      r.push(f * (a < 0.2 ? 15 : 10) * po.sc * s);
    }
    if (r.some((x) => x > 0)) pancreas = { pts, r };
  }
  // Ribs: cross-sections in the body wall, more of them higher up, drifting along z.
  const ribs: Array<[number, number, number]> = [];
  const ribAngles = [0.55, 0.95, 1.35, 1.75, 2.15, 2.55];
  for (const side of [-1, 1]) {
    for (let q = 0; q < ribAngles.length; q++) {
      const lowest = 0.25 + 0.06 * q; // anterior ribs stop higher
      if (t > lowest) continue;
      const ang = ribAngles[q] + 0.25 * Math.sin(10 * t + q);
      const theta = side > 0 ? -Math.PI / 2 + ang : -Math.PI / 2 - ang; // from anterior (−v) around
      const rb = blobRadius(body, theta, t) - p.fat * fatMod(p, theta) - p.muscle * 0.5;
      ribs.push([rb * Math.cos(theta), rb * Math.sin(theta), 5.5 * s]);
    }
  }
  return {
    body,
    fat: p.fat,
    muscle: p.muscle,
    liver,
    spleen,
    stomach,
    kidneyL,
    kidneyR,
    gall,
    aorta,
    ivc,
    colon,
    lungs,
    psoas,
    paraspinal,
    pancreas,
    ribs,
    vs,
    t,
    tableV: Math.max(...[1.3, 1.45, 1.57, 1.7, 1.85].map((th) => blobRadius(body, th, t) * Math.sin(th))) * p.postFlat,
  };
}

function fatMod(p: Patient, theta: number): number {
  // thicker anteriorly and at the flanks, thinner over the back
  const post = Math.max(0, Math.sin(theta)); // v > 0 is posterior
  return (1 + p.fatVar[1] * Math.cos(2 * theta + p.fatVar[0])) * (1 - 0.45 * post);
}

function tex(p: Patient, u: number, v: number, z: number, cell: number, salt: number): number {
  return valueNoise3(u, v, z, cell, (p.seed + salt * 7919) >>> 0);
}

/** HU and label of one voxel. */
function voxel(p: Patient, a: SliceAnatomy, u: number, v: number, z: number, t: number): [number, number] {
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

/** Counts of each label value in a label volume (for tests and inspect). */
export function labelCounts(label: Volume): number[] {
  const counts = new Array<number>(PHANTOM_LABELS.length).fill(0);
  for (const x of label.data) counts[x]++;
  return counts;
}
