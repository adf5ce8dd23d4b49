/**
 * The one place a panel app receives host messages: checks the shape, dispatches by type to the app's
 * handlers, renders once and tells the host it is ready (the host then sends the data).
 */
import type { HostToWebview } from '../../src/protocol/messages';
import type { VsCodeApi } from './vscodeApi';

export type HostHandlers = { [K in HostToWebview['type']]?: (m: Extract<HostToWebview, { type: K }>) => void };

export function isHostMessage(m: unknown): m is HostToWebview {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

/** Listens for host messages, renders the first time, and posts 'ready'. */
export function connectPanel<S>(vscode: VsCodeApi<S>, handlers: HostHandlers, firstRender: () => void): void {
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const m = event.data;
    if (!isHostMessage(m)) return;
    const handle = handlers[m.type] as ((m: HostToWebview) => void) | undefined;
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
