/**
 * The JSON Schema (draft-07, what VS Code's JSON service and the YAML extension read best) of a config
 * file, generated from the zod schema: every field has its description and its default. The extension
 * contributes it through package.json `jsonValidation` / `yamlValidation`; a copy is committed as
 * `medssl.schema.json` beside this file and a unit test keeps it equal to `configJsonSchema()`.
 */
import * as z from 'zod';
import { experimentSchema } from './schema';

/** A JSON Schema node (the subset this module reads). */
export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode | JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  additionalProperties?: boolean | JsonSchemaNode;
  [k: string]: unknown;
}

let cached: JsonSchemaNode | undefined;

/** The JSON Schema of a config file (input side: defaults are optional). Cached; do not mutate. */
export function configJsonSchema(): JsonSchemaNode {
  if (!cached) {
    const s = z.toJSONSchema(experimentSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchemaNode;
    addMarkdown(s);
    cached = s;
  }
  return cached;
}

/** The schema text as committed in medssl.schema.json (2-space indent, final newline). */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

function addMarkdown(node: JsonSchemaNode): void {
  if (node.description !== undefined) {
    const extra: string[] = [];
    if (node.default !== undefined && !(typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default))) {
      extra.push(`Default: \`${JSON.stringify(node.default)}\``);
    }
    node.markdownDescription = [node.description, ...extra].join('\n\n');
  }
  for (const child of Object.values(node.properties ?? {})) addMarkdown(child);
  for (const alt of node.anyOf ?? []) addMarkdown(alt);
}

/** The schema node of a config path (['model', 'whitening', 'method']), or undefined when the path is not in the schema. */
export function schemaAtPath(path: readonly (string | number)[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') {
      const items: JsonSchemaNode | JsonSchemaNode[] | undefined = node.items;
      node = Array.isArray(items) ? items[seg] : items;
    } else {
      node = node.properties?.[seg];
    }
  }
  return node;
}

/** The keys a mapping at this path may hold. */
export function knownKeysAt(path: readonly (string | number)[]): string[] {
  return Object.keys(schemaAtPath(path)?.properties ?? {});
}

/** Every key path in the schema (for "this key belongs under …" hints). */
export function allKeyPaths(): string[][] {
  const out: string[][] = [];
  const walk = (n: JsonSchemaNode, prefix: string[]) => {
    for (const [k, child] of Object.entries(n.properties ?? {})) {
      out.push([...prefix, k]);
      walk(child, [...prefix, k]);
    }
  };
  walk(configJsonSchema(), []);
  return out;
}
