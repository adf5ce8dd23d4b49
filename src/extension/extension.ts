import * as vscode from 'vscode';
import { registerEnvironmentCommand } from './commands/checkEnvironment';

/** Extension entry point. Jobs never run here: every command that computes spawns the worker (dist/cli.js). */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('MedSSL');
  context.subscriptions.push(output);
  registerEnvironmentCommand(context, output);
  output.appendLine(`MedSSL Studio ${String(context.extension.packageJSON.version)} activated.`);
}

export function deactivate(): void {
  // Nothing to tear down: child processes are owned by the commands that started them.
}
