/**
 * Smooth 2-D shapes the phantom's anatomy is built from: harmonically perturbed ellipses ("blobs") whose
 * outline drifts along the cranio-caudal axis, and the extent profile of an organ along that axis.
 */
import { normal, uniform, type RandomSource } from '../random';

/** A blob: an ellipse (half-axes a, b, rotated by `rot`) with a few radial harmonics. */
export interface Blob {
  cu: number;
  cv: number;
  a: number;
  b: number;
  rot: number;
  harm: Harmonics;
}
export interface Harmonics {
  amp: number[];
  phase: number[];
  drift: number[];
}

export function harmonics(r: RandomSource, strength: number): Harmonics {
  return {
    amp: [2, 3, 4].map(() => Math.abs(normal(r, 0, strength))),
    phase: [2, 3, 4].map(() => uniform(r, 0, 2 * Math.PI)),
    drift: [2, 3, 4].map(() => uniform(r, -3, 3)),
  };
}

/** Radius of the blob boundary in direction θ at cranio-caudal position t. */
export function blobRadius(bl: Blob, theta: number, t: number): number {
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
export function depth(bl: Blob, u: number, v: number, t: number): number {
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
export function profile(t: number, t0: number, tp: number, t1: number): number {
  if (t <= t0 || t >= t1) return 0;
  const x = t < tp ? (tp - t) / (tp - t0) : (t - tp) / (t1 - tp);
  return Math.sqrt(Math.max(0, 1 - x * x));
}
