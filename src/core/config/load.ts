/**
 * Loading a config file, the resolved config as YAML (config.yaml of a run), and its hash.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { stringify } from 'yaml';
import { experimentSchema } from './schema';
import { formatProblem, validateConfigText, type ConfigProblem, type ValidateOptions, type ValidationResult } from './validate';
import type { ExperimentConfig } from './types';

/** A config that cannot be used: every problem, formatted `file:line:col: message` in `message`. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(errors.length ? errors.map(formatProblem).join('\n') : `${file}: invalid config`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates a config file. A missing or unreadable file is one problem at 1:1 naming it. */
export async function validateConfigFile(file: string, opts: Omit<ValidateOptions, 'file'> = {}): Promise<ValidationResult> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a config file'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    const p: ConfigProblem = {
      file,
      severity: 'error',
      code: 'syntax',
      message: `cannot read the config: ${why}`,
      path: [],
      range: { start: 0, end: 0 },
      start: { line: 1, col: 1 },
      end: { line: 1, col: 1 },
    };
    return { ok: false, problems: [p] };
  }
  return validateConfigText(text, { ...opts, file });
}

/** The resolved config of a file, or a ConfigError with every problem. Warnings are returned alongside. */
export async function loadConfig(
  file: string,
  opts: Omit<ValidateOptions, 'file'> = {},
): Promise<{ config: ExperimentConfig; warnings: ConfigProblem[] }> {
  const r = await validateConfigFile(file, opts);
  if (!r.ok || !r.config) throw new ConfigError(file, r.problems);
  return { config: r.config, warnings: r.problems.filter((p) => p.severity === 'warning') };
}

/** Every default filled in, for a name (what a config with only `name:` resolves to). */
export function defaultConfig(name: string): ExperimentConfig {
  return experimentSchema.parse({ name }) as ExperimentConfig;
}

/** JSON with object keys sorted at every level (arrays keep their order); undefined fields omitted. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * Stable hash of a resolved config: `sha256:` + hex of its canonical JSON (key order and formatting of
 * the source file do not matter; any value change does). Written to run.json as configHash.
 */
export function configHash(config: ExperimentConfig): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** The resolved config as YAML (config.yaml of a run): every default, in schema order, with a header. */
export function stringifyConfig(config: ExperimentConfig, header?: string): string {
  const body = stringify(config, { lineWidth: 0 });
  const head = header
    ? header
        .split('\n')
        .map((l) => `# ${l}`.trimEnd())
        .join('\n') + '\n'
    : '';
  return head + body;
}
