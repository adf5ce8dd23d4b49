/** Reading, setting and deleting a value at a key path in a parsed (plain object) config. */
import type { ConfigPath } from './source';

export function setAt(obj: Record<string, unknown>, path: ConfigPath, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (typeof next !== 'object' || next === null) cur[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[path[i]] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

export function deleteAt(obj: unknown, path: ConfigPath): void {
  const parent = getAt(obj, path.slice(0, -1));
  if (parent.found && typeof parent.value === 'object' && parent.value !== null)
    delete (parent.value as Record<string | number, unknown>)[path[path.length - 1]];
}

export function getAt(obj: unknown, path: ConfigPath): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null || !(seg in (cur as object))) return { found: false };
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return { found: true, value: cur };
}
