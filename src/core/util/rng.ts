/**
 * Small seeded pseudo-random generator (mulberry32) with saveable state.
 *
 * One generator per run (DESIGN.md): the same seed gives the same numbers on every platform, because
 * everything is 32-bit integer arithmetic. The state is one uint32, so a checkpoint stores it as a number.
 * src/core/data/random.ts is not a second generator: it holds the data pipeline's helpers over the narrow
 * `RandomSource` view of this one (a cache-free normal whose stream the phantom's numbers depend on, and
 * stateless lattice-hash noise for organ texture).
 */
export interface RngState {
  algorithm: 'mulberry32';
  state: number;
  /** A cached second Box-Muller normal, if any (kept so that restore is exact). */
  spareNormal: number | null;
}

export class Rng {
  private s: number;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.s = Rng.hashSeed(seed);
  }

  /** Mixes an arbitrary integer or string seed into a 32-bit state. */
  static hashSeed(seed: number | string): number {
    let h = 0x811c9dc5;
    const text = typeof seed === 'number' ? String(Math.trunc(seed)) : seed;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  /** Next uint32. */
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, the second value is cached). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Fills a new Float32Array with normals. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fills a new Float32Array with uniforms in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** An independent generator derived from this one (advances this one by one draw). */
  fork(label = ''): Rng {
    const child = new Rng(0);
    child.s = (this.nextUint32() ^ Rng.hashSeed(label)) >>> 0;
    return child;
  }

  getState(): RngState {
    return { algorithm: 'mulberry32', state: this.s, spareNormal: this.spare };
  }

  setState(state: RngState): void {
    if (state.algorithm !== 'mulberry32') throw new Error(`Rng.setState: unknown algorithm '${String(state.algorithm)}'`);
    this.s = state.state >>> 0;
    this.spare = state.spareNormal;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }
}
