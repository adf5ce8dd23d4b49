/**
 * Validation of a config text (YAML or JSON): syntax, schema (types, ranges, unknown keys with "did you
 * mean"), cross-field rules and the dataset folder. Every problem carries the exact source range of the
 * offending key or value (0-based offsets for the editor, 1-based line:col for the CLI) and, when there
 * is an obvious fix, a structured suggestion (the edit a quick fix applies).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isMap, parse as parseYaml } from 'yaml';
import { experimentSchema } from './schema';
import { deleteAt, setAt } from './configPaths';
import { initFromProblems } from './initFrom';
import { crossFieldChecks } from './crossField';
import { issueToProblems } from './issueMessages';
import {
  formatFor,
  pathToString,
  type ConfigProblem,
  type ConfigSuggestion,
  type ProblemCode,
  type ProblemSeverity,
  type ValidateOptions,
  type ValidationResult,
} from './problems';
import { lineColAt, locate, parseSource, rangeOfPath, type ConfigPath, type OffsetRange } from './source';
import type { ExperimentConfig } from './types';

export { describeValue } from './issueMessages';
export {
  formatFor,
  formatProblem,
  pathToString,
  type ConfigFormat,
  type ConfigProblem,
  type ConfigSuggestion,
  type ProblemCode,
  type ProblemSeverity,
  type ValidateOptions,
  type ValidationResult,
} from './problems';

/** Validates a config text: never throws for a bad config, returns every problem. */
export function validateConfigText(text: string, opts: ValidateOptions = {}): ValidationResult {
  const file = opts.file ?? '<text>';
  const format = opts.format ?? formatFor(opts.file);
  const src = parseSource(text);
  const problems: ConfigProblem[] = [];
  const make = (
    severity: ProblemSeverity,
    code: ProblemCode,
    path: ConfigPath,
    message: string,
    range: OffsetRange,
    suggestion?: ConfigSuggestion,
    override?: string,
  ): ConfigProblem => ({
    file,
    severity,
    code,
    message,
    path,
    range,
    start: lineColAt(src, range.start),
    end: lineColAt(src, range.end),
    ...(override !== undefined ? { override } : {}),
    ...(suggestion ? { suggestion } : {}),
  });
  const done = (config?: ExperimentConfig): ValidationResult => {
    problems.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
    const ok = !problems.some((p) => p.severity === 'error');
    return ok && config ? { ok, problems, config } : { ok, problems };
  };

  // 1. Syntax.
  for (const e of src.doc.errors) {
    problems.push(
      make('error', 'syntax', [], `${format === 'json' ? 'JSON' : 'YAML'} syntax: ${e.message}`, {
        start: e.pos[0],
        end: Math.max(e.pos[0], e.pos[1]),
      }),
    );
  }
  for (const w of src.doc.warnings) {
    problems.push(
      make('warning', 'syntax', [], `${format === 'json' ? 'JSON' : 'YAML'}: ${w.message}`, {
        start: w.pos[0],
        end: Math.max(w.pos[0], w.pos[1]),
      }),
    );
  }
  if (src.doc.errors.length) return done();
  if (!isMap(src.doc.contents)) {
    const what = src.doc.contents === null ? 'the config is empty' : 'the config must be a mapping of keys (name:, data:, model:, ...)';
    problems.push(make('error', 'type', [], `${what}; at least 'name' is required`, rangeOfPath(src, []).range));
    return done();
  }

  let raw: unknown;
  try {
    raw = src.doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    problems.push(make('error', 'syntax', [], `cannot read the config: ${(e as Error).message}`, rangeOfPath(src, []).range));
    return done();
  }

  // 2. Overrides (`--set a.b=c`).
  const overridden = new Map<string, string>();
  for (const o of opts.overrides ?? []) {
    const eq = o.indexOf('=');
    const at = rangeOfPath(src, []).range;
    if (eq <= 0) {
      problems.push(make('error', 'override', [], `--set '${o}': expected path=value (e.g. pretrain.epochs=2)`, at, undefined, o));
      continue;
    }
    const path = o
      .slice(0, eq)
      .split('.')
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let value: unknown;
    try {
      value = parseYaml(o.slice(eq + 1));
    } catch {
      value = o.slice(eq + 1);
    }
    setAt(raw as Record<string, unknown>, path, value);
    overridden.set(pathToString(path), o);
  }
  const overrideOf = (path: ConfigPath): string | undefined => {
    for (let i = path.length; i > 0; i--) {
      const o = overridden.get(pathToString(path.slice(0, i)));
      if (o) return o;
    }
    return undefined;
  };

  // 3. Schema. On errors, the offending values are removed (defaults take their place) and the rest is
  // parsed again, so that the cross-field rules below still report every other problem at once.
  let parsed = experimentSchema.safeParse(raw);
  const removed: ConfigPath[] = [];
  const schemaFailed = !parsed.success;
  for (let attempt = 0; !parsed.success && attempt < 5; attempt++) {
    for (const issue of parsed.error.issues) {
      const ipath = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
      if (attempt === 0) {
        for (const p of issueToProblems(issue, src, raw, format)) {
          problems.push(make('error', p.code, p.path, p.message, p.range, p.suggestion, overrideOf(p.path)));
        }
      }
      if (issue.code === 'unrecognized_keys') for (const k of issue.keys) deleteAt(raw, [...ipath, k]);
      else if (ipath.length === 1 && ipath[0] === 'name') (raw as Record<string, unknown>).name = 'config';
      else if (ipath.length === 0) break;
      else {
        deleteAt(raw, ipath);
        removed.push(ipath);
      }
    }
    parsed = experimentSchema.safeParse(raw);
  }
  if (!parsed.success) return done();
  const config = parsed.data as ExperimentConfig;
  const touchesRemoved = (p: ConfigPath) => removed.some((r) => r.every((seg, i) => p[i] === seg));

  // 4. Cross-field rules and the dataset folder.
  const baseDir = opts.baseDir ?? (opts.file ? nodePath.dirname(nodePath.resolve(opts.file)) : process.cwd());
  for (const c of crossFieldChecks(config)) {
    if (schemaFailed && c.paths.some((p, i) => (i === 0 || p.length > 1) && touchesRemoved(p))) continue;
    const target = c.paths.find((p) => locate(src, p).depth === p.length) ?? c.paths[0];
    const { range } = rangeOfPath(src, target);
    problems.push(make(c.severity, 'cross-field', target, c.message, range, undefined, overrideOf(target)));
  }
  if (config.data.path !== undefined) {
    const abs = nodePath.resolve(baseDir, config.data.path);
    if (config.data.source === 'folder' && opts.checkFiles !== false) {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(abs);
      } catch {
        st = undefined;
      }
      const rel = nodePath.isAbsolute(config.data.path) ? '' : ` (relative paths are relative to the config file's folder ${baseDir})`;
      const { range } = rangeOfPath(src, ['data', 'path']);
      if (!st)
        problems.push(
          make(
            'error',
            'data-path',
            ['data', 'path'],
            `data.path: the folder ${abs} does not exist${rel}`,
            range,
            undefined,
            overrideOf(['data', 'path']),
          ),
        );
      else if (!st.isDirectory())
        problems.push(
          make(
            'error',
            'data-path',
            ['data', 'path'],
            `data.path: ${abs} is not a folder; give the dataset folder (run \`medssl inspect\` on it to check its layout)`,
            range,
            undefined,
            overrideOf(['data', 'path']),
          ),
        );
    }
    config.data.path = abs;
  }
  if (!schemaFailed && config.model.init) {
    const { range } = rangeOfPath(src, ['model', 'init', 'from']);
    for (const m of initFromProblems(config, baseDir, opts.checkFiles !== false))
      problems.push(make('error', 'data-path', ['model', 'init', 'from'], m, range, undefined, overrideOf(['model', 'init', 'from'])));
  }
  return done(schemaFailed ? undefined : config);
}
