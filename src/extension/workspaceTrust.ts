/**
 * The one Workspace Trust guard of every command that starts a job (Train, Train on Slurm, Resume,
 * Evaluate): the same refusal everywhere — a line in the MedSSL output and a warning whose button opens
 * Manage Workspace Trust — and the `medssl.trusted` context key that hides the job buttons.
 */
import * as vscode from 'vscode';
import { jobBlockedReason } from './jobs/trust';

export class WorkspaceTrustGuard implements vscode.Disposable {
  /** Integration tests: code-server runs with --disable-workspace-trust, so an untrusted workspace is simulated. */
  simulateUntrusted = false;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly output: vscode.OutputChannel) {
    void vscode.commands.executeCommand('setContext', 'medssl.trusted', vscode.workspace.isTrusted);
    this.subscription = vscode.workspace.onDidGrantWorkspaceTrust(
      () => void vscode.commands.executeCommand('setContext', 'medssl.trusted', true),
    );
  }

  isTrusted(): boolean {
    return vscode.workspace.isTrusted && !this.simulateUntrusted;
  }

  /** Why no job may start (after telling the user), or undefined when one may. */
  refusal(): string | undefined {
    const blocked = jobBlockedReason(this.isTrusted());
    if (!blocked) return undefined;
    this.output.appendLine(blocked);
    void vscode.window
      .showWarningMessage(blocked, 'Manage Workspace Trust')
      .then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
    return blocked;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
