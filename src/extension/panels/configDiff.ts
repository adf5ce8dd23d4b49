/** How the configs of runs shown together differ: every leaf as `a.b.c=value`, and the keys whose values differ. */

/** `a.b.c=value` for every leaf of a config object. */
export function flattenConfig(v: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, c] of Object.entries(v as Record<string, unknown>)) flattenConfig(c, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(v));
  }
  return out;
}

/** The config values in which each run differs from the others (name and seed-free keys first, as written). */
export function differingConfig(configs: unknown[]): string[][] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = new Set<string>();
  for (const f of flat) for (const k of f.keys()) keys.add(k);
  const differing = [...keys].filter((k) => k !== 'name' && new Set(flat.map((f) => f.get(k) ?? 'undefined')).size > 1);
  return flat.map((f) => differing.map((k) => `${k}=${f.get(k) ?? '(unset)'}`));
}
