/**
 * Experiment variants (METHOD.md's ablation): a config may list variants, each a name and a
 * few overrides; `medssl run` runs each as its own run (pretraining + evaluations), named
 * <config name>-<variant name>, by re-validating the same file with the variant's overrides applied
 * after the command line's --set (so every variant is checked like a hand-written config).
 */
import type { ExperimentConfig, VariantConfig } from '../config/types';

/**
 * The --set overrides that turn the config into one variant (the variant list itself is cleared, and the
 * seed list when the variants came from {@link expandVariants} with seeds, so a variant never expands again).
 */
export function variantOverrides(v: VariantConfig, baseName: string, clearSeeds = false): string[] {
  return [
    ...Object.entries(v.set).map(([k, val]) => `${k}=${typeof val === 'string' ? val : JSON.stringify(val)}`),
    `name=${baseName}-${v.name}`,
    'variants=[]',
    ...(clearSeeds ? ['seeds=[]'] : []),
  ];
}

/** The run-name suffix of a seed's run: <name>-<variant>-seed<N>. The report groups runs by what precedes it. */
export const SEED_SUFFIX = /-seed(\d+)$/;

/**
 * The runs a config asks for: its variants, each once per seed of `seeds` (named <variant>-seed<N>, with
 * `seed` set); without variants but with seeds, the config itself once per seed (seed<N>). Without seeds:
 * the variants as written.
 */
export function expandVariants(c: Pick<ExperimentConfig, 'variants' | 'seeds'>): VariantConfig[] {
  const seeds = c.seeds ?? [];
  const variants = c.variants ?? [];
  if (!seeds.length) return variants;
  if (!variants.length) return seeds.map((s) => ({ name: `seed${s}`, set: { seed: s } }));
  return variants.flatMap((v) => seeds.map((s) => ({ name: `${v.name}-seed${s}`, set: { ...v.set, seed: s } })));
}

/** The four rows of METHOD.md's ablation table as variants. */
export const ABLATION_VARIANTS: VariantConfig[] = [
  { name: 'mocov2', set: { 'ssl.local.enabled': false, 'model.whitening.enabled': false } },
  { name: 'local', set: { 'ssl.local.enabled': true, 'model.whitening.enabled': false } },
  { name: 'decorrelation', set: { 'ssl.local.enabled': false, 'model.whitening.enabled': true } },
  { name: 'method', set: { 'ssl.local.enabled': true, 'model.whitening.enabled': true } },
];

/** Duplicate variant names or seeds would collide in run names: the error names them. */
export function checkVariants(c: ExperimentConfig): string | null {
  const seeds = c.seeds ?? [];
  const dupSeeds = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  if (dupSeeds.length)
    return `seeds: ${[...new Set(dupSeeds)].join(', ')} appear${dupSeeds.length > 1 ? '' : 's'} more than once (each seed becomes a run named ${c.name}-<variant>-seed<N>)`;
  const names = (c.variants ?? []).map((v) => v.name);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  return dup.length
    ? `variants: the name${dup.length > 1 ? 's' : ''} ${[...new Set(dup)].join(', ')} appear${dup.length > 1 ? '' : 's'} more than once (each variant becomes a run named ${c.name}-<name>)`
    : null;
}
