/**
 * What validation reports: a problem with its code, severity, exact source range and optional quick-fix
 * suggestion, and how a problem reads on the command line.
 */
import type { ConfigPath, LineCol, OffsetRange } from './source';
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
