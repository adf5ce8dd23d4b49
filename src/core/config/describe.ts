/**
 * Hover documentation: what the key (or value) at an offset of a config text means, from the same
 * descriptions the JSON Schema carries.
 */
import { configJsonSchema, schemaAtPath, type JsonSchemaNode } from './jsonSchema';
import { nodeRange, parseSource, pathAt, type ConfigPath, type OffsetRange } from './source';
import { pathToString } from './validate';

export interface FieldDoc {
  /** ['model', 'whitening', 'method'] */
  path: ConfigPath;
  /** 'model.whitening.method' */
  name: string;
  description: string;
  /** e.g. "'iternorm' | 'zca'", 'integer ≥ 1', "'auto' | number > 0" */
  type: string;
  default?: unknown;
  /** Allowed values, when the field is an enumeration. */
  values?: unknown[];
  /** The range the hover applies to (the key, or the value under the offset). */
  range?: OffsetRange;
  /** Ready-to-show Markdown: **name** `type`, description, default. */
  markdown: string;
}

/** The field at `offset` (0-based, UTF-16) of a YAML or JSON config text, or undefined (not on a known key). */
export function describeAt(text: string, offset: number): FieldDoc | undefined {
  const src = parseSource(text);
  const at = pathAt(src, offset);
  if (!at) return undefined;
  // Inside a list value (e.g. widths[2]) document the list's key.
  let path = at.path;
  while (path.length && typeof path[path.length - 1] === 'number') path = path.slice(0, -1);
  const doc = describePath(path);
  if (!doc) return undefined;
  const range = nodeRange(src, at.onKey ? at.keyNode : (at.valueNode ?? at.keyNode));
  return range ? { ...doc, range } : doc;
}

/** The documentation of a config path, or undefined when the schema has no such field. */
export function describePath(path: ConfigPath): FieldDoc | undefined {
  const node = path.length ? schemaAtPath(path) : configJsonSchema();
  if (!node) return undefined;
  const name = pathToString(path) || '(config)';
  const description = node.description ?? '';
  const type = typeSummary(node);
  const values = enumValues(node);
  const def = node.default;
  const showDefault = def !== undefined && !(typeof def === 'object' && def !== null && !Array.isArray(def));
  const md = [`**${name}** \`${type}\``, description];
  if (showDefault) md.push(`Default: \`${JSON.stringify(def)}\``);
  return {
    path,
    name,
    description,
    type,
    ...(showDefault ? { default: def } : {}),
    ...(values ? { values } : {}),
    markdown: md.filter(Boolean).join('\n\n'),
  };
}

function enumValues(n: JsonSchemaNode): unknown[] | undefined {
  if (n.enum) return n.enum;
  if (n.anyOf && n.anyOf.every((a) => a.const !== undefined)) return n.anyOf.map((a) => a.const);
  return undefined;
}

const lit = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));

function typeSummary(n: JsonSchemaNode): string {
  if (n.enum) return n.enum.map(lit).join(' | ');
  if (n.const !== undefined) return lit(n.const);
  if (n.anyOf) return n.anyOf.map(typeSummary).join(' | ');
  const bounds: string[] = [];
  if (n.minimum !== undefined) bounds.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) bounds.push(`< ${n.exclusiveMaximum}`);
  const b = bounds.length ? ' ' + bounds.join(', ') : '';
  switch (n.type) {
    case 'integer':
      return `integer${b}`;
    case 'number':
      return `number${b}`;
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'object':
      return 'mapping';
    case 'array': {
      const items = n.items;
      if (Array.isArray(items)) return `[${items.map(typeSummary).join(', ')}]`;
      return items ? `list of ${typeSummary(items)}` : 'list';
    }
    default:
      return Array.isArray(n.type) ? n.type.join(' | ') : (n.type ?? 'value');
  }
}
