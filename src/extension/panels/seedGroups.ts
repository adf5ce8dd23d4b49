/**
 * Which runs shown together are seeds of one variant (so the compare panels may aggregate them): runs
 * named <name>-<variant>-seed<N> (`seeds:` in a config, src/core/eval/variants.ts), of the same stage,
 * at least two of them, whose resolved configs are equal in every value but `seed` and `name`. Runs that
 * carry the name but differ in more (a config edited between seeds) are not averaged: they stay single
 * runs, and the panels show what differs.
 */
import { splitSeed } from '../../core/report/aggregate';
import { flattenConfig } from './configDiff';

export interface SeedCandidate {
  name: string;
  stage: string;
  config: unknown;
}

/** Keys that may differ between seeds of one variant. */
const SEED_KEYS = new Set(['seed', 'name']);

function sameButSeed(a: unknown, b: unknown): boolean {
  const fa = flattenConfig(a);
  const fb = flattenConfig(b);
  const keys = new Set([...fa.keys(), ...fb.keys()]);
  for (const k of keys) if (!SEED_KEYS.has(k) && fa.get(k) !== fb.get(k)) return false;
  return true;
}

/** For each run, its variant and seed when it is grouped with another seed of that variant; else undefined. */
export function seedMembership(runs: readonly SeedCandidate[]): Array<{ variant: string; seed: number } | undefined> {
  const split = runs.map((r) => splitSeed(r.name));
  const groups = new Map<string, number[]>();
  split.forEach((s, i) => {
    if (s.seed === null) return;
    const key = `${runs[i].stage}\u0000${s.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out: Array<{ variant: string; seed: number } | undefined> = runs.map(() => undefined);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const seeds = members.map((i) => split[i].seed);
    if (new Set(seeds).size !== seeds.length) continue; // the same seed twice (a rerun): which one is meant is not ours to pick
    if (!members.every((i) => sameButSeed(runs[members[0]].config, runs[i].config))) continue;
    for (const i of members) out[i] = { variant: split[i].variant, seed: split[i].seed! };
  }
  return out;
}
