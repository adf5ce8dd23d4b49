/**
 * The Studio: what the extension holds while it is active, wired together once. The Runs view (tree and
 * its watcher), the jobs (JobHost: worker processes, never in the extension host), the worker runtime,
 * the Workspace Trust guard, config authoring, Slurm following and the status bar. The commands live in
 * commands/ (one module per group, registered by commands/register.ts) and act on this object.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands/register';
import { SlurmCommands } from './commands/trainOnSlurm';
import { ConfigAuthoring } from './config/configAuthoring';
import { JobHost } from './jobs/jobHost';
import type { Job } from './jobs/jobManager';
import { notifyJobFinished } from './jobs/jobNotifications';
import { jobStatusText } from './jobs/jobStatusText';
import { runningRuns, selectRun } from './panels/runView';
import type { RunSummary } from './runs/runsModel';
import { RunsTreeProvider, type RunsNode } from './runs/runsTree';
import { RunsWatcher } from './runs/runsWatcher';
import { runsDirFor } from './settings';
import { WorkerRuntime } from './worker/workerRuntime';
import { WorkspaceTrustGuard } from './workspaceTrust';

export type { TrainResult } from './jobs/jobHost';

export class Studio implements vscode.Disposable {
  readonly tree: RunsTreeProvider;
  /** The Runs tree view (its selection drives the side view and Compare Runs). */
  readonly runsView: vscode.TreeView<RunsNode>;
  readonly runtime: WorkerRuntime;
  readonly jobs: JobHost;
  readonly trust: WorkspaceTrustGuard;
  readonly authoring = new ConfigAuthoring();
  /** Train on Slurm…, Stop = scancel for Slurm runs, following their queue state. */
  readonly slurm: SlurmCommands;
  private readonly status = vscode.window.createStatusBarItem('medssl.jobs', vscode.StatusBarAlignment.Left, 50);
  private readonly watcher: RunsWatcher;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly output: vscode.OutputChannel,
  ) {
    this.runtime = new WorkerRuntime(context.extensionPath, (line) => output.appendLine(line));
    this.trust = new WorkspaceTrustGuard(output);
    this.tree = new RunsTreeProvider(() => this.runsDir());
    this.jobs = new JobHost(this.runtime, output, {
      changed: () => this.onJobsChanged(),
      finished: (job) => {
        this.refresh();
        notifyJobFinished(job, (j) => this.jobs.channel(j).show());
      },
    });
    this.slurm = new SlurmCommands({
      runtime: () => this.runtime.get(),
      cliPath: () => this.runtime.cliPath,
      runsDir: (f) => this.runsDir(f),
      output,
      refusal: () => this.trust.refusal(),
      refresh: () => this.refresh(),
      openRunDirs: () =>
        this.tree
          .current()
          .filter((r) => r.run?.status === 'queued' || r.run?.status === 'running')
          .map((r) => r.dir),
    });
    this.status.command = 'workbench.view.extension.medssl';
    this.runsView = vscode.window.createTreeView('medssl.runs', {
      treeDataProvider: this.tree,
      showCollapseAll: true,
      canSelectMany: true,
    });
    this.watcher = new RunsWatcher(
      () => this.runsDir(),
      () => this.refresh(),
    );
    this.disposables.push(
      this.jobs,
      this.trust,
      this.slurm,
      this.authoring,
      this.status,
      this.runsView,
      this.watcher,
      // The side view (Run) follows the run selected in the Runs view; with none selected, the running run.
      this.runsView.onDidChangeSelection((e) => {
        const node = e.selection[0];
        selectRun(node?.kind === 'run' ? node.summary.dir : undefined);
      }),
      ...registerCommands(this),
    );
    this.refresh();
  }

  /** The runs folder: medssl.runsDir, relative to the config's (else the first) workspace folder. */
  runsDir(configFile?: string): string | undefined {
    return runsDirFor(configFile);
  }

  /** Re-reads the runs folder, follows runs whose process is alive, updates the status bar. */
  refresh(): RunSummary[] {
    const runs = this.tree.refresh();
    this.jobs.reattach(runs);
    this.updateStatus();
    return runs;
  }

  private onJobsChanged(): void {
    this.updateStatus();
    const jobs: readonly Job[] = this.jobs.manager.all();
    runningRuns(jobs.flatMap((j) => (j.state === 'running' && j.runDirs.length ? [j.runDirs[j.runDirs.length - 1]] : [])));
    this.watcher.refreshSoon();
  }

  private updateStatus(): void {
    const s = jobStatusText(this.jobs.manager.active());
    if (!s) return this.status.hide();
    this.status.text = s.text;
    this.status.tooltip = s.tooltip;
    this.status.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
