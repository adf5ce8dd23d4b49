/**
 * Every message between the extension host and the webview panels, in both directions. Both the host
 * bundle and the webview bundles import this module; nothing else crosses the boundary.
 * Large arrays (images, masks, spectra) travel as ArrayBuffers, never as JSON arrays.
 */
import type { EnvReport } from '../core/backend/types';

export type { EnvReport };

/** Host → webview. */
export type HostToWebview =
  | { type: 'env'; report: EnvReport }
  | { type: 'envError'; message: string }
  | { type: 'busy'; what: string };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'recheck' };

export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'recheck';
}
