import * as vscode from 'vscode';
import { registerEnvironmentCommand } from './commands/checkEnvironment';
import { registerPanels } from './panels';
import { Studio } from './studio';

let studio: Studio | undefined;

/** Extension entry point. Jobs never run here: every command that computes spawns the worker (dist/cli.js). */
export function activate(context: vscode.ExtensionContext): { studio: Studio; activationMs: number } {
  const t0 = Date.now();
  const output = vscode.window.createOutputChannel('MedSSL');
  context.subscriptions.push(output);
  registerEnvironmentCommand(context, output);
  registerPanels(context);
  studio = new Studio(context, output);
  context.subscriptions.push(studio);
  const activationMs = Date.now() - t0;
  output.appendLine(`MedSSL Studio ${String(context.extension.packageJSON.version)} activated in ${activationMs} ms.`);
  return { studio, activationMs };
}

export function deactivate(): void {
  // Running jobs are left running on purpose: after a window reload the next activation re-attaches to them
  // (pid in run.json alive → tail events.jsonl). Stop Run ends them.
  studio = undefined;
}
