/**
 * The VS Code webview API, or (outside VS Code: a plain page fed recorded messages, for browser tests and
 * screenshots) a shim that keeps the state in sessionStorage and records what the panel posts in
 * `window.__medsslPosted`. Shared by every panel app.
 */
import type { WebviewToHost } from '../../src/protocol/webviews/common';

export interface VsCodeApi<S> {
  postMessage(message: WebviewToHost): void;
  getState(): S | undefined;
  setState(state: S): void;
}

const host = window as unknown as { acquireVsCodeApi?: <S>() => VsCodeApi<S>; __medsslPosted?: WebviewToHost[] };

function shimApi<S>(key: string): VsCodeApi<S> {
  const posted: WebviewToHost[] = (host.__medsslPosted = host.__medsslPosted ?? []);
  let memory: S | undefined;
  return {
    postMessage(message) {
      posted.push(message);
    },
    getState() {
      try {
        const s = sessionStorage.getItem(key);
        return s ? (JSON.parse(s) as S) : memory;
      } catch {
        return memory;
      }
    },
    setState(state) {
      memory = state;
      try {
        sessionStorage.setItem(key, JSON.stringify(state));
      } catch {
        /* opaque origin: memory only */
      }
    },
  };
}

/** Call once per page (VS Code throws on a second acquireVsCodeApi). */
export function acquireApi<S>(panel: string): VsCodeApi<S> {
  return typeof host.acquireVsCodeApi === 'function' ? host.acquireVsCodeApi<S>() : shimApi<S>(`medssl.${panel}.state`);
}
