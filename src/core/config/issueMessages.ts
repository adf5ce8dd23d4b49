/**
 * Turns a zod issue into problems a person can act on: the value as read, what was expected, the range of
 * the offending key or value, and a "did you mean" suggestion where there is an obvious fix.
 */
import type { z } from 'zod';
import { getAt } from './configPaths';
import { allKeyPaths, knownKeysAt, schemaAtPath } from './jsonSchema';
import { pathToString, type ConfigFormat, type ConfigSuggestion, type ProblemCode } from './problems';
import { locate, quoteStyle, rangeOfPath, type ConfigPath, type OffsetRange, type ParsedSource } from './source';
import { closest } from './suggest';

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

export interface ProtoProblem {
  code: ProblemCode;
  path: ConfigPath;
  message: string;
  range: OffsetRange;
  suggestion?: ConfigSuggestion;
}

const quoteFor = (format: ConfigFormat, style: string, s: string): string =>
  format === 'json' ? JSON.stringify(s) : style === '"' ? JSON.stringify(s) : style === "'" ? `'${s.replace(/'/g, "''")}'` : s;

export function issueToProblems(issue: z.core.$ZodIssue, src: ParsedSource, raw: unknown, format: ConfigFormat): ProtoProblem[] {
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
