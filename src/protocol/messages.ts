/**
 * Every message between the extension host and the webview panels, in both directions: one file per
 * panel under webviews/, re-exported here with the unions over all panels. Both the host bundle and the
 * webview bundles import only these types; nothing else crosses the boundary.
 */
import type { CollapseHostMessage } from './webviews/collapse';
import type { CurvesHostMessage } from './webviews/curves';
import type { EnvironmentHostMessage } from './webviews/environment';
import type { OverlaysHostMessage } from './webviews/overlays';
import type { RunViewHostMessage } from './webviews/runView';

export * from './webviews/common';
export * from './webviews/collapse';
export * from './webviews/curves';
export * from './webviews/environment';
export * from './webviews/overlays';
export * from './webviews/runView';

/** Host → any webview. */
export type HostToWebview = CollapseHostMessage | CurvesHostMessage | EnvironmentHostMessage | OverlaysHostMessage | RunViewHostMessage;
