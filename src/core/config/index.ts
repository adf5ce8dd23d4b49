/**
 * Experiment config: one zod schema (schema.ts) validates, fills defaults, and produces the editor's
 * JSON Schema and hover docs. Plain Node (no vscode, no TensorFlow): usable by the CLI, the engine and
 * the extension host.
 */
export type * from './types';
export { experimentSchema, CONFIG_NAME_PATTERN } from './schema';
export { configJsonSchema, configJsonSchemaText, schemaAtPath, knownKeysAt, type JsonSchemaNode } from './jsonSchema';
export {
  validateConfigText,
  formatProblem,
  formatFor,
  pathToString,
  type ConfigFormat,
  type ConfigProblem,
  type ConfigSuggestion,
  type ProblemCode,
  type ProblemSeverity,
  type ValidateOptions,
  type ValidationResult,
} from './validate';
export { validateConfigFile, loadConfig, ConfigError, defaultConfig, configHash, stringifyConfig } from './load';
export { describeAt, describePath, type FieldDoc } from './describe';
export { crossFieldChecks, resolvedLr } from './crossField';
export { closest, editDistance } from './suggest';
export type { ConfigPath, OffsetRange, LineCol } from './source';
