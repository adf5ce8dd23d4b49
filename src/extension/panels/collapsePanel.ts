/** Host side of the Collapse panel (webview/collapse): diagnostics/<step>.json of one or more runs, followed live. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../../core/runs';
import type { CollapseHostMessage } from '../../protocol/webviews/collapse';
import { collapseRuns, readCollapseStep } from './runData';
import { pollFolder, RunPanel, type RunPanelKind } from './runPanel';

export const COLLAPSE_VIEW_TYPE = 'medssl.collapse';

export const collapseKind: RunPanelKind<CollapseHostMessage> = {
  viewType: COLLAPSE_VIEW_TYPE,
  bundle: 'collapse',
  title: (dirs) => `MedSSL Collapse: ${dirs.map((d) => path.basename(d)).join(' vs ')}`,
  load: (dirs) => [{ type: 'collapse', runs: collapseRuns(dirs) }],
  follow: (dirs, post) => {
    const watchers = dirs.map((dir) => {
      const runId = readRun(dir).id;
      return pollFolder(path.join(dir, 'diagnostics'), 1000, (name) => {
        if (!/^\d+\.json$/.test(name)) return;
        const step = readCollapseStep(path.join(dir, 'diagnostics', name));
        if (step) post({ type: 'collapseStep', runId, step });
      });
    });
    return vscode.Disposable.from(...watchers);
  },
};

/** Opens the Collapse panel on one run, or on several side by side (e.g. MoCo v2 and the method). */
export function openCollapsePanel(context: vscode.ExtensionContext, runDirs: string | string[]): RunPanel {
  return RunPanel.show(context, collapseKind, Array.isArray(runDirs) ? runDirs : [runDirs]);
}
