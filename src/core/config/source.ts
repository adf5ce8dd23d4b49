/**
 * Source positions of a YAML or JSON config: parse with the `yaml` package (JSON is parsed by the same
 * parser, so both formats give ranges), find the key and value nodes of a config path, convert offsets
 * to 1-based line:col for people and 0-based line/character for the editor.
 */
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';

export type ConfigPath = (string | number)[];

/** 0-based offsets into the text, in UTF-16 code units (what `TextDocument.positionAt` takes). */
export interface OffsetRange {
  start: number;
  end: number;
}

/** 1-based line and column (what a terminal and `file:line:col` links show). */
export interface LineCol {
  line: number;
  col: number;
}

export interface ParsedSource {
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseSource(text: string): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  return { text, doc, lines };
}

/** 1-based line:col of an offset. */
export function lineColAt(src: ParsedSource, offset: number): LineCol {
  const p = src.lines.linePos(Math.max(0, Math.min(offset, src.text.length)));
  return { line: p.line, col: p.col };
}

export interface NodeLocation {
  /** The key scalar of the deepest pair found on the path (undefined at the root). */
  key?: Node;
  /** The value node at the full path (undefined when the path is not fully present). */
  value?: Node | null;
  /** How many path segments were found in the document. */
  depth: number;
}

/** Walks the document along a config path. */
export function locate(src: ParsedSource, path: readonly (string | number)[]): NodeLocation {
  let cur: unknown = src.doc.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const seg of path) {
    if (isMap(cur)) {
      const pair = (cur.items as Pair[]).find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { key, depth };
      key = pair.key as Node;
      cur = pair.value;
    } else if (isSeq(cur) && typeof seg === 'number' && seg < cur.items.length) {
      cur = cur.items[seg];
    } else {
      return { key, depth };
    }
    depth++;
  }
  return { key, value: (cur as Node | null) ?? null, depth };
}

/** The source range of a node, its end trimmed of trailing whitespace and newlines (block collections include them). */
export function nodeRange(src: ParsedSource, node: Node | null | undefined): OffsetRange | undefined {
  if (!node || !node.range) return undefined;
  const start = node.range[0];
  let end = Math.max(start, node.range[1]);
  while (end > start && /\s/.test(src.text[end - 1])) end--;
  return { start, end };
}

/**
 * The range to mark for a problem at `path`: the value (or, with `on: 'key'`, the key) when present;
 * otherwise the key of the deepest enclosing mapping that is present; otherwise the first line.
 */
export function rangeOfPath(
  src: ParsedSource,
  path: readonly (string | number)[],
  on: 'key' | 'value' = 'value',
): { range: OffsetRange; exact: boolean } {
  const loc = locate(src, path);
  if (loc.depth === path.length) {
    const valueRange = on === 'value' && loc.value && !isAlias(loc.value) ? nodeRange(src, loc.value) : undefined;
    const useValue = valueRange && valueRange.end > valueRange.start;
    const r = useValue ? valueRange : (nodeRange(src, loc.key) ?? nodeRange(src, loc.value));
    if (r) return { range: r, exact: true };
  }
  const keyRange = nodeRange(src, loc.key);
  if (keyRange) return { range: keyRange, exact: false };
  return { range: firstLineRange(src), exact: false };
}

export function firstLineRange(src: ParsedSource): OffsetRange {
  const m = /\S[^\n]*/.exec(src.text);
  if (!m) return { start: 0, end: 0 };
  return { start: m.index, end: m.index + m[0].replace(/\s+$/, '').length };
}

/** The path of the innermost key or value at an offset, and whether the offset is on the key. */
export function pathAt(
  src: ParsedSource,
  offset: number,
): { path: ConfigPath; onKey: boolean; keyNode?: Node; valueNode?: Node | null } | undefined {
  const inside = (n: Node | null | undefined) => !!n?.range && offset >= n.range[0] && offset <= n.range[1];
  let cur: unknown = src.doc.contents;
  const path: ConfigPath = [];
  let result: { path: ConfigPath; onKey: boolean; keyNode?: Node; valueNode?: Node | null } | undefined;
  for (;;) {
    if (isMap(cur)) {
      let next: unknown;
      for (const p of cur.items as Pair[]) {
        if (!isScalar(p.key)) continue;
        const k = p.key as Node;
        const v = p.value as Node | null;
        if (inside(k)) return { path: [...path, String((p.key as { value: unknown }).value)], onKey: true, keyNode: k, valueNode: v };
        if (inside(v)) {
          path.push(String((p.key as { value: unknown }).value));
          result = { path: [...path], onKey: false, keyNode: k, valueNode: v };
          next = v;
          break;
        }
      }
      if (next === undefined) return result;
      cur = next;
    } else if (isSeq(cur)) {
      const i = cur.items.findIndex((it) => inside(it as Node));
      if (i < 0) return result;
      path.push(i);
      result = { path: [...path], onKey: false, keyNode: result?.keyNode, valueNode: cur.items[i] as Node };
      cur = cur.items[i];
    } else {
      return result;
    }
  }
}

/** True when a scalar node was written in quotes (so a replacement keeps the quote style). */
export function quoteStyle(node: Node | null | undefined): '"' | "'" | '' {
  if (isScalar(node)) {
    if (node.type === 'QUOTE_DOUBLE') return '"';
    if (node.type === 'QUOTE_SINGLE') return "'";
  }
  return '';
}
