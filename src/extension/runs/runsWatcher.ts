/**
 * Keeps the Runs view current: a file watcher on the run.json of every run folder (debounced), and a poll every 3 s
 * for runs started elsewhere (a terminal, another window) on file systems that send no events (remote).
 * Follows a change of medssl.runsDir.
 */
import * as vscode from 'vscode';

const POLL_MS = 3000;
const DEBOUNCE_MS = 200;

export class RunsWatcher implements vscode.Disposable {
  private watcher?: vscode.FileSystemWatcher;
  private poll?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private readonly settingChanged: vscode.Disposable;

  constructor(
    private readonly runsDir: () => string | undefined,
    private readonly refresh: () => void,
  ) {
    this.settingChanged = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('medssl.runsDir') && (this.watch(), this.refresh()));
    this.watch();
  }

  private watch(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    const dir = this.runsDir();
    if (!dir) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*/run.json'));
    const r = () => this.refreshSoon();
    this.watcher.onDidCreate(r);
    this.watcher.onDidChange(r);
    this.watcher.onDidDelete(r);
    clearInterval(this.poll);
    this.poll = setInterval(() => this.refresh(), POLL_MS);
  }

  /** Many file events in a burst (a run folder being written) make one refresh. */
  refreshSoon(): void {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  dispose(): void {
    clearInterval(this.poll);
    clearTimeout(this.soon);
    this.watcher?.dispose();
    this.settingChanged.dispose();
  }
}
