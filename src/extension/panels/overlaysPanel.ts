/** Host side of the Overlays panel (webview/overlays): overlays/<tag>/ of a run, with metrics.json. */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { OverlaysHostMessage } from '../../protocol/webviews/overlays';
import { readOverlays } from './runData';
import { RunPanel, type RunPanelKind } from './runPanel';

export const OVERLAYS_VIEW_TYPE = 'medssl.overlays';

export const overlaysKind: RunPanelKind<OverlaysHostMessage> = {
  viewType: OVERLAYS_VIEW_TYPE,
  bundle: 'overlays',
  title: (dirs) => `MedSSL Overlays: ${dirs.map((d) => path.basename(d)).join(', ')}`,
  load: (dirs) => [{ type: 'overlays', overlays: readOverlays(dirs[0]) }],
};

/** Opens the Overlays panel on a run's evaluation overlays. */
export function openOverlaysPanel(context: vscode.ExtensionContext, runDir: string): RunPanel {
  return RunPanel.show(context, overlaysKind, [runDir]);
}
