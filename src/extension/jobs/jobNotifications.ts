/**
 * The notification when a job ends (completed, stopped, failed) and what its buttons do. The buttons run
 * the same commands as the Runs view, on the job's last run folder.
 */
import * as vscode from 'vscode';
import type { Job } from './jobManager';

export function notifyJobFinished(job: Job, showLog: (job: Job) => void): void {
  const label = job.spec.label;
  const after = (action: string | undefined) => {
    const dir = job.runDirs[job.runDirs.length - 1];
    if (action === 'Show Log') showLog(job);
    else if (action === 'Reveal Run Folder' && dir) void vscode.commands.executeCommand('medssl.revealRun', dir);
    else if (action === 'Resume Run' && dir) void vscode.commands.executeCommand('medssl.resumeRun', dir);
    else if (action === 'Open Curves' && dir) void vscode.commands.executeCommand('medssl.openCurves', dir);
  };
  if (job.result === 'completed') {
    void vscode.window.showInformationMessage(`MedSSL: ${label} completed.`, 'Open Curves', 'Reveal Run Folder', 'Show Log').then(after);
  } else if (job.result === 'cancelled') {
    void vscode.window
      .showInformationMessage(
        `MedSSL: ${label} stopped (cancelled; a checkpoint was saved — Resume Run continues it).`,
        'Resume Run',
        'Show Log',
      )
      .then(after);
  } else {
    void vscode.window
      .showErrorMessage(`MedSSL: ${label} failed${job.error ? `: ${job.error}` : ''}.`, 'Show Log', 'Reveal Run Folder')
      .then(after);
  }
}
