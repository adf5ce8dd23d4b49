/**
 * Seeded randomness for the data pipeline. Functions take a `RandomSource` so that a run's single
 * generator (src/core/util/rng.ts, DESIGN.md "one seeded generator per run") can be passed in;
 * `seededRandom` gives a generator of that same type for standalone use (phantom, tests).
 */
import { Rng } from '../util/rng';

export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

export function hashString(s: string | number): number {
  return Rng.hashSeed(typeof s === 'number' ? String(s) : s);
}

/** A run-independent generator (phantom, tests): the project's one generator type, seeded here. */
export function seededRandom(seed: number | string): RandomSource {
  const r = new Rng(0);
  r.setState({ algorithm: 'mulberry32', state: hashString(seed), spareNormal: null });
  return r;
}

export function uniform(r: RandomSource, lo: number, hi: number): number {
  return lo + (hi - lo) * r.next();
}

/** Standard normal by Box–Muller (one value per call, two draws). */
export function normal(r: RandomSource, mean = 0, std = 1): number {
  let u = r.next();
  while (u <= 1e-12) u = r.next();
  const v = r.next();
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function shuffleInPlace<T>(r: RandomSource, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** Integer hash of lattice coordinates and a seed → [0, 1). Deterministic on every platform. */
export function latticeHash(x: number, y: number, z: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x9e3779b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Smooth 3-D value noise in [−1, 1]: random values on a lattice of cell size `cell` (same unit as the
 * coordinates), interpolated with a smoothstep. Used for organ texture and bowel loops.
 */
export function valueNoise3(x: number, y: number, z: number, cell: number, seed: number): number {
  const fx = x / cell;
  const fy = y / cell;
  const fz = z / cell;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  const iz = Math.floor(fz);
  const tx = fx - ix;
  const ty = fy - iy;
  const tz = fz - iz;
  const sx = tx * tx * (3 - 2 * tx);
  const sy = ty * ty * (3 - 2 * ty);
  const sz = tz * tz * (3 - 2 * tz);
  const h = (dx: number, dy: number, dz: number) => latticeHash(ix + dx, iy + dy, iz + dz, seed);
  const x00 = h(0, 0, 0) + sx * (h(1, 0, 0) - h(0, 0, 0));
  const x10 = h(0, 1, 0) + sx * (h(1, 1, 0) - h(0, 1, 0));
  const x01 = h(0, 0, 1) + sx * (h(1, 0, 1) - h(0, 0, 1));
  const x11 = h(0, 1, 1) + sx * (h(1, 1, 1) - h(0, 1, 1));
  const y0 = x00 + sy * (x10 - x00);
  const y1 = x01 + sy * (x11 - x01);
  return 2 * (y0 + sz * (y1 - y0)) - 1;
}
