/**
 * Validation of a config text (YAML or JSON): syntax, schema (types, ranges, unknown keys with "did you
 * mean"), cross-field rules and the dataset folder. Every problem carries the exact source range of the
 * offending key or value (0-based offsets for the editor, 1-based line:col for the CLI) and, when there
 * is an obvious fix, a structured suggestion (the edit a quick fix applies).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isMap, parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { experimentSchema } from './schema';
import { allKeyPaths, knownKeysAt, schemaAtPath } from './jsonSchema';
import { initFromProblems } from './initFrom';
import { crossFieldChecks } from './crossField';
import { closest } from './suggest';
import {
  lineColAt,
  locate,
  parseSource,
  quoteStyle,
  rangeOfPath,
  type ConfigPath,
  type LineCol,
  type OffsetRange,
  type ParsedSource,
} from './source';
import type { ExperimentConfig } from './types';

export type ConfigFormat = 'yaml' | 'json';
export type ProblemSeverity = 'error' | 'warning';
export type ProblemCode = 'syntax' | 'unknown-key' | 'missing-key' | 'type' | 'value' | 'cross-field' | 'data-path' | 'override';

/** The edit a "did you mean" quick fix applies: replace `range` of the text by `newText`. */
export interface ConfigSuggestion {
  title: string;
  range: OffsetRange;
  newText: string;
}

export interface ConfigProblem {
  /** The file as given (or `<text>` for an unsaved buffer). */
  file: string;
  severity: ProblemSeverity;
  code: ProblemCode;
  /** The message without the position, e.g. "ssl.queueSize: 1000 is not a multiple of pretrain.batchSize (64)". */
  message: string;
  /** The config path the problem is about (['ssl', 'queueSize']); [] for the whole file. */
  path: ConfigPath;
  /** 0-based offsets into the text (editor: `document.positionAt`). */
  range: OffsetRange;
  /** 1-based, for `file:line:col` (end is exclusive). */
  start: LineCol;
  end: LineCol;
  /** Set when the problem comes from a `--set path=value` override rather than from the file. */
  override?: string;
  suggestion?: ConfigSuggestion;
}

export interface ValidateOptions {
  /** File name used in problems and to resolve `data.path` (relative to its folder). */
  file?: string;
  /** Default: from the file extension (.json → json), else yaml. */
  format?: ConfigFormat;
  /** Folder that relative paths are resolved against. Default: the folder of `file`, else the working directory. */
  baseDir?: string;
  /** Check that data.path exists (default true). The extension may switch it off for virtual files. */
  checkFiles?: boolean;
  /** `--set path=value` overrides applied on top of the file (value parsed as YAML: 64, true, auto, [8,16]). */
  overrides?: readonly string[];
}

export interface ValidationResult {
  /** No errors (warnings allowed). */
  ok: boolean;
  /** Sorted by position; errors and warnings. */
  problems: ConfigProblem[];
  /** The resolved config (every default filled, data.path absolute) when ok. */
  config?: ExperimentConfig;
}

export function formatFor(file: string | undefined): ConfigFormat {
  return file && /\.json$/i.test(file) ? 'json' : 'yaml';
}

export const pathToString = (p: readonly (string | number)[]): string =>
  p.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), '');

/** `file:line:col: message` (warnings say so; override problems name the override instead of a position). */
export function formatProblem(p: ConfigProblem): string {
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  if (p.override) return `${p.file}: ${sev}(from --set ${p.override}) ${p.message}`;
  return `${p.file}:${p.start.line}:${p.start.col}: ${sev}${p.message}`;
}

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

function setAt(obj: Record<string, unknown>, path: ConfigPath, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (typeof next !== 'object' || next === null) cur[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[path[i]] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function deleteAt(obj: unknown, path: ConfigPath): void {
  const parent = getAt(obj, path.slice(0, -1));
  if (parent.found && typeof parent.value === 'object' && parent.value !== null)
    delete (parent.value as Record<string | number, unknown>)[path[path.length - 1]];
}

function getAt(obj: unknown, path: ConfigPath): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null || !(seg in (cur as object))) return { found: false };
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: cur };
}

/** A value as a person reads it in a message. */
export function describeValue(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text '${v}'`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return String(v);
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (indented key: value lines)',
  array: 'a list',
  tuple: 'a list',
};

interface ProtoProblem {
  code: ProblemCode;
  path: ConfigPath;
  message: string;
  range: OffsetRange;
  suggestion?: ConfigSuggestion;
}

const quoteFor = (format: ConfigFormat, style: string, s: string): string =>
  format === 'json' ? JSON.stringify(s) : style === '"' ? JSON.stringify(s) : style === "'" ? `'${s.replace(/'/g, "''")}'` : s;

function issueToProblems(issue: z.core.$ZodIssue, src: ParsedSource, raw: unknown, format: ConfigFormat): ProtoProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const name = pathToString(path);
  const got = getAt(raw, path);
  const valueRange = () => rangeOfPath(src, path).range;

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(path);
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const { range } = rangeOfPath(src, keyPath, 'key');
        const where = path.length ? `in '${name}'` : 'at the top level';
        const s = closest(key, known);
        if (s) {
          const keyNode = locate(src, keyPath).key;
          return {
            code: 'unknown-key' as const,
            path: keyPath,
            message: `unknown key '${key}' ${where}; did you mean '${s}'?`,
            range,
            suggestion: { title: `Change '${key}' to '${s}'`, range, newText: quoteFor(format, quoteStyle(keyNode), s) },
          };
        }
        const elsewhere = allKeyPaths().filter((p) => p[p.length - 1] === key || closest(key, [p[p.length - 1]]) !== undefined);
        const hint = elsewhere.length
          ? `; '${elsewhere[0][elsewhere[0].length - 1]}' belongs under '${elsewhere[0].slice(0, -1).join('.') || 'the top level'}' (${elsewhere[0].join('.')})`
          : `; known keys here: ${known.join(', ')}`;
        return { code: 'unknown-key' as const, path: keyPath, message: `unknown key '${key}' ${where}${hint}`, range };
      });
    }
    case 'invalid_type': {
      if (!got.found || got.value === undefined) {
        const parent = path.slice(0, -1);
        const { range } = rangeOfPath(src, parent, 'key');
        return [{ code: 'missing-key', path, message: `missing required key '${name}'${parent.length ? '' : ' (top level)'}`, range }];
      }
      const exp = schemaAtPath(path)?.type === 'integer' ? EXPECTED.int : (EXPECTED[issue.expected] ?? issue.expected);
      const extra =
        issue.expected === 'tuple' || (issue.expected === 'array' && Array.isArray(schemaAtPath(path)?.items))
          ? ` of ${(schemaAtPath(path)?.items as unknown[]).length} numbers`
          : '';
      return [{ code: 'type', path, message: `${name}: must be ${exp}${extra}, got ${describeValue(got.value)}`, range: valueRange() }];
    }
    case 'invalid_value': {
      const values = issue.values;
      const list = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
      const range = valueRange();
      const strings = values.filter((v): v is string => typeof v === 'string');
      const s = typeof got.value === 'string' ? closest(got.value, strings) : undefined;
      const message = `${name}: ${describeValue(got.value)} is not ${values.length === 1 ? list : `one of ${list}`}${s ? `; did you mean '${s}'?` : ''}`;
      if (!s) return [{ code: 'value', path, message, range }];
      const node = locate(src, path).value;
      return [
        {
          code: 'value',
          path,
          message,
          range,
          suggestion: { title: `Change to '${s}'`, range, newText: quoteFor(format, quoteStyle(node), s) },
        },
      ];
    }
    case 'invalid_union': {
      const alts = issue.errors.flat();
      if (alts.length && alts.every((a) => a.code === 'invalid_value')) {
        const values = alts.flatMap((a) => (a.code === 'invalid_value' ? a.values : []));
        return [
          {
            code: 'value',
            path,
            message: `${name}: ${describeValue(got.value)} is not one of ${values.map(String).join(', ')}`,
            range: valueRange(),
          },
        ];
      }
      return [{ code: 'value', path, message: `${name}: ${issue.message}, got ${describeValue(got.value)}`, range: valueRange() }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'array') {
        const exact = schemaAtPath(path)?.minItems !== undefined && schemaAtPath(path)?.minItems === schemaAtPath(path)?.maxItems;
        return [
          {
            code: 'value',
            path,
            message: `${name}: must be a list of ${exact ? 'exactly' : issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} items, got ${describeValue(got.value)}`,
            range: valueRange(),
          },
        ];
      }
      if (issue.origin === 'string') return [{ code: 'value', path, message: `${name}: must not be empty`, range: valueRange() }];
      const op = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return [
        { code: 'value', path, message: `${name}: must be ${op} ${String(bound)}, got ${describeValue(got.value)}`, range: valueRange() },
      ];
    }
    case 'invalid_format':
      return [{ code: 'value', path, message: `${name}: ${issue.message}, got ${describeValue(got.value)}`, range: valueRange() }];
    default:
      return [{ code: 'value', path, message: `${name}: ${issue.message}`, range: valueRange() }];
  }
}
