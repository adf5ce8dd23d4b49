/** Per-slice anatomy of a phantom patient: where each organ, vessel, muscle and rib lies at position t. */
import { fatMod, type Patient } from './patient';
import { blobRadius, profile, type Blob, type Harmonics } from './shapes';

/** Per-slice shapes (computed once per slice). */
export interface SliceAnatomy {
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

export function sliceAnatomy(p: Patient, t: number): SliceAnatomy {
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
