/**
 * What every panel shares: how a run is named, the messages any panel may get or send, and the one shape
 * check the host applies to what a webview posts. Each panel's own messages are in the file named after it.
 */

/** A run as the panels name it: id, config name, and the config values in which it differs from the runs shown beside it. */
export interface RunLabel {
  runId: string;
  name: string;
  status: string;
  /** The run folder (kept in the panel's state so the serializer can reopen it after a reload). */
  dir?: string;
  /** e.g. ["ssl.local.enabled=false", "model.whitening.enabled=false"]; empty when alone or identical. */
  differs: string[];
  /**
   * Set when this run is one seed of a variant shown beside another seed of it: runs named
   * <name>-<variant>-seed<N> (`seeds:` in a config), of one stage, whose configs are equal but for `seed`.
   * The compare panels can then draw the variant as mean ± sd over its seeds.
   */
  seedOf?: { variant: string; seed: number };
}

/** Host → any run panel: a problem reading the run folder, named and with what to do. */
export interface RunErrorMessage {
  type: 'runError';
  message: string;
}

/** Host → a panel: work started whose answer comes later (the panel shows it is busy). */
export interface BusyMessage {
  type: 'busy';
  what: string;
}

/** Webview → host: the panel listens now; the host sends its data. */
export interface ReadyMessage {
  type: 'ready';
}

/** Webview → host: save a file the panel made (CSV text, or PNG bytes as an ArrayBuffer); the host asks where. */
export interface SaveFileMessage {
  type: 'saveFile';
  suggestedName: string;
  text?: string;
  bytes?: ArrayBuffer;
}

/** Webview → host: run the check again (environment panel). */
export interface RecheckMessage {
  type: 'recheck';
}

/** Everything a webview may post; the host checks the shape before it trusts the type. */
export type WebviewToHost = ReadyMessage | RecheckMessage | SaveFileMessage;

const WEBVIEW_TO_HOST_TYPES: ReadonlySet<string> = new Set<WebviewToHost['type']>(['ready', 'recheck', 'saveFile']);

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return typeof t === 'string' && WEBVIEW_TO_HOST_TYPES.has(t);
}
