/**
 * The one place a panel app receives host messages: checks the shape, dispatches by type to the app's
 * handlers, renders once and tells the host it is ready (the host then sends the data). Each panel names
 * its own message union (src/protocol/webviews/<panel>.ts), so a handler for a message the panel never
 * gets does not compile.
 */
import type { VsCodeApi } from './vscodeApi';

export type HostHandlers<M extends { type: string }> = { [K in M['type']]?: (m: Extract<M, { type: K }>) => void };

export function isHostMessage<M extends { type: string }>(m: unknown): m is M {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Listens for host messages, renders the first time, and posts 'ready'. */
export function connectPanel<M extends { type: string }, S>(
  vscode: VsCodeApi<S>,
  handlers: HostHandlers<M>,
  firstRender: () => void,
): void {
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const m = event.data;
    if (!isHostMessage<M>(m)) return;
    const handle = (handlers as Record<string, ((m: M) => void) | undefined>)[m.type];
    handle?.(m);
  });
  firstRender();
  vscode.postMessage({ type: 'ready' });
}

/** Re-renders 100 ms after the last resize (charts take their width from the page). */
export function rerenderOnResize(render: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(render, 100);
  });
}
