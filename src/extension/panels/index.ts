/**
 * The run panels. activate() calls registerPanels(context) once: it registers the serializers that bring
 * the panels back after a window reload. Commands (src/extension/commands) open them with
 * openCollapsePanel(context, runDirs) etc.
 */
import * as vscode from 'vscode';
import { collapseKind } from './collapsePanel';
import { curvesKind } from './curvesPanel';
import { overlaysKind } from './overlaysPanel';
import { registerRunView } from './runView';
import { registerRunPanelSerializer, RunPanel } from './runPanel';

export { openCollapsePanel, COLLAPSE_VIEW_TYPE } from './collapsePanel';
export { openCurvesPanel, CURVES_VIEW_TYPE } from './curvesPanel';
export { openOverlaysPanel, OVERLAYS_VIEW_TYPE } from './overlaysPanel';
export { followedRun, runningRuns, selectRun, RUN_VIEW_ID } from './runView';

export function registerPanels(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    registerRunPanelSerializer(context, collapseKind),
    registerRunPanelSerializer(context, curvesKind),
    registerRunPanelSerializer(context, overlaysKind),
    registerRunView(context),
    { dispose: () => RunPanel.disposeAll() },
  );
}
