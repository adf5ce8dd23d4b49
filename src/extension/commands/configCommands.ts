/** The config commands: Validate Config (works in untrusted workspaces: it only reads text) and New Experiment. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Studio } from '../studio';
import { configUri } from './jobCommands';
import { newExperiment, type NewExperimentOptions } from './newExperiment';

export async function validateConfig(
  studio: Studio,
  uri?: vscode.Uri,
): Promise<{ ok: boolean; errors: number; warnings: number } | undefined> {
  const target = configUri(uri);
  if (!target) {
    void vscode.window.showWarningMessage('MedSSL: open a *.medssl.yaml or *.medssl.json config to validate.');
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(target);
  const v = studio.authoring.validate(doc);
  if (!v) return undefined;
  const errors = v.problems.filter((p) => p.severity === 'error').length;
  const warnings = v.problems.length - errors;
  const name = path.basename(target.fsPath);
  if (v.problems.length === 0) void vscode.window.showInformationMessage(`MedSSL: ${name} is valid.`);
  else
    void vscode.window
      .showWarningMessage(
        `MedSSL: ${name}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
        'Show Problems',
      )
      .then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
  return { ok: v.ok, errors, warnings };
}

export function registerConfigCommands(studio: Studio): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('medssl.validateConfig', (uri?: vscode.Uri) => validateConfig(studio, uri)),
    vscode.commands.registerCommand('medssl.newExperiment', (opts?: NewExperimentOptions) =>
      newExperiment({ extensionPath: studio.context.extensionPath, runtime: studio.runtime, output: studio.output }, opts),
    ),
  ];
}
