/**
 * MedSSL: Compare Runs — several runs overlaid in the Curves panel, and the ones with collapse
 * diagnostics side by side in the Collapse panel. From a multi-selection in the Runs view (runs or config
 * groups), or a quick pick of several runs, where a variant with seeds is one entry.
 */
import * as vscode from 'vscode';
import { openCollapsePanel } from '../panels/collapsePanel';
import { openCurvesPanel } from '../panels/curvesPanel';
import type { RunPanel } from '../panels/runPanel';
import { compareChoices, chosenDirs, type CompareChoice } from '../runs/compareChoices';
import type { RunSummary } from '../runs/runsModel';
import type { RunsNode } from '../runs/runsTree';
import { selectedRunDirs, withDiagnostics } from '../runs/runSelection';

export interface CompareResult {
  dirs: string[];
  curves?: RunPanel;
  collapse?: RunPanel;
}

export async function compareRuns(
  context: vscode.ExtensionContext,
  runs: () => RunSummary[],
  clicked?: RunsNode | string,
  selection?: readonly (RunsNode | string)[],
): Promise<CompareResult | undefined> {
  let dirs = selectedRunDirs(clicked, selection);
  if (dirs.length < 2) {
    const all = runs().filter((r) => r.run);
    if (all.length < 2) {
      void vscode.window.showInformationMessage('MedSSL: Compare Runs needs at least two runs.');
      return undefined;
    }
    const choices = compareChoices(all, dirs);
    const variants = choices.filter((c) => c.kind === 'variant');
    const item = (c: CompareChoice) => ({
      label: c.kind === 'variant' ? `$(layers) ${c.label}` : c.label,
      description: c.description,
      choice: c,
      picked: c.picked,
    });
    const separator = (label: string) => ({ label, kind: vscode.QuickPickItemKind.Separator });
    const picks = await vscode.window.showQuickPick(
      variants.length
        ? [
            separator('variants: all their seeds'),
            ...variants.map(item),
            separator('runs'),
            ...choices.filter((c) => c.kind === 'run').map(item),
          ]
        : choices.map(item),
      { canPickMany: true, placeHolder: 'Runs to compare (two or more)' },
    );
    if (!picks) return undefined;
    dirs = chosenDirs(picks.flatMap((p) => ('choice' in p ? [p.choice] : [])));
    if (dirs.length < 2) {
      void vscode.window.showInformationMessage('MedSSL: pick at least two runs to compare.');
      return undefined;
    }
  }
  const result: CompareResult = { dirs };
  result.curves = openCurvesPanel(context, dirs);
  const diag = withDiagnostics(dirs);
  if (diag.length) result.collapse = openCollapsePanel(context, diag);
  if (diag.length < dirs.length) {
    const missing = dirs.length - diag.length;
    void vscode.window.showInformationMessage(
      `MedSSL: ${missing} of the ${dirs.length} runs ha${missing === 1 ? 's' : 've'} no collapse diagnostics (evaluation runs, or stopped before the first); the Collapse panel shows ${diag.length ? 'the others' : 'none'}.`,
    );
  }
  return result;
}
