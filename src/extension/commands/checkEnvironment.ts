import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatEnvReport } from '../../core/backend/formatEnvReport';
import type { EnvReport } from '../../protocol/workerStdout';
import { EnvironmentPanel, registerEnvironmentPanel } from '../panels/environmentPanel';
import { resolveNodeRuntime } from '../worker/nodeRuntime';
import { runCli } from '../worker/runCli';
import { settings } from '../settings';

/** Spawns `medssl env --json` with the jobs' runtime: the answer is about the process that will train. */
export async function checkEnvironment(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<EnvReport> {
  // Resolved afresh on every check (not the jobs' cached runtime): the user may just have changed medssl.nodePath.
  const runtime = await resolveNodeRuntime(settings.nodePath(), process.execPath);
  output.appendLine(`Worker runtime: ${runtime.description}`);
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const result = await runCli(runtime, cli, ['env', '--json']);
  if (result.code !== 0) {
    throw new Error(`'medssl env' failed (exit ${result.code}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as EnvReport;
  output.appendLine(formatEnvReport(report));
  return report;
}

export function registerEnvironmentCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  const check = () => checkEnvironment(context, output);
  registerEnvironmentPanel(context, check);
  context.subscriptions.push(
    vscode.commands.registerCommand('medssl.checkEnvironment', async (): Promise<EnvReport | undefined> => {
      try {
        const report = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'MedSSL: checking the environment…' },
          () => checkEnvironment(context, output),
        );
        // The panel shows the whole report (and can re-check).
        EnvironmentPanel.show(context, check, report);
        const message = `MedSSL: ${report.gpuAnswer}`;
        if (report.auto.backend === 'tfjs-node-gpu' || report.auto.backend === 'webgpu') void vscode.window.showInformationMessage(message);
        else void vscode.window.showWarningMessage(message, 'Show Details').then((a) => a && output.show());
        return report;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        output.appendLine(`Check Environment failed: ${message}`);
        void vscode.window.showErrorMessage(`MedSSL: Check Environment failed — ${message}`, 'Show Log').then((a) => a && output.show());
        return undefined;
      }
    }),
  );
}
