/**
 * Experiment variants (METHOD.md's ablation): a config may list variants, each a name and a
 * few overrides; `medssl run` runs each as its own run (pretraining + evaluations), named
 * <config name>-<variant name>, by re-validating the same file with the variant's overrides applied
 * after the command line's --set (so every variant is checked like a hand-written config).
 */
import type { ExperimentConfig, VariantConfig } from '../config/types';

/** The --set overrides that turn the config into one variant (the variant list itself is cleared). */
export function variantOverrides(v: VariantConfig, baseName: string): string[] {
  return [...Object.entries(v.set).map(([k, val]) => `${k}=${typeof val === 'string' ? val : JSON.stringify(val)}`), `name=${baseName}-${v.name}`, 'variants=[]'];
}

/** The four rows of METHOD.md's ablation table as variants. */
export const ABLATION_VARIANTS: VariantConfig[] = [
  { name: 'mocov2', set: { 'ssl.local.enabled': false, 'model.whitening.enabled': false } },
  { name: 'local', set: { 'ssl.local.enabled': true, 'model.whitening.enabled': false } },
  { name: 'decorrelation', set: { 'ssl.local.enabled': false, 'model.whitening.enabled': true } },
  { name: 'method', set: { 'ssl.local.enabled': true, 'model.whitening.enabled': true } },
];

/** Duplicate variant names would collide in run names: the error names them. */
export function checkVariants(c: ExperimentConfig): string | null {
  const names = (c.variants ?? []).map((v) => v.name);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  return dup.length ? `variants: the name${dup.length > 1 ? 's' : ''} ${[...new Set(dup)].join(', ')} appear${dup.length > 1 ? '' : 's'} more than once (each variant becomes a run named ${c.name}-<name>)` : null;
}
