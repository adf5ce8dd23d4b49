/**
 * MedSSL: Train on Slurm… — submits a *.medssl.yaml config as one Slurm job array (`medssl submit` in a
 * child process, medssl.slurm.* settings on top of the config's executor.slurm); the queued run folders
 * appear in the Runs view at once and are followed like local ones. Stop on a Slurm run = scancel
 * (`medssl submit --cancel`). A timer brings queued/running Slurm runs in line with squeue.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NodeRuntime } from '../worker/nodeRuntime';
import { runCli } from '../worker/runCli';
import { followClusterRuns, isClusterRun, lastError, parseSubmitOutput, submitArgs, type SubmittedRun } from '../jobs/slurmJobs';
import { settings } from '../settings';
import { readRun } from '../../core/runs';

export interface SlurmHost {
  runtime(): Promise<NodeRuntime>;
  cliPath(): string;
  runsDir(configFile: string): string | undefined;
  output: vscode.OutputChannel;
  /** Why jobs may not start (untrusted workspace), after telling the user; undefined when they may. */
  refusal(): string | undefined;
  refresh(): void;
  /** Run folders shown in the Runs view whose run.json is queued or running. */
  openRunDirs(): string[];
}

export class SlurmCommands implements vscode.Disposable {
  private timer?: NodeJS.Timeout;
  private following = false;
  private readonly said = new Set<string>();

  constructor(private readonly host: SlurmHost) {
    this.timer = setInterval(() => void this.follow(), 15_000);
  }

  async train(uri?: vscode.Uri): Promise<{ refused?: string; runs?: SubmittedRun[] }> {
    const blocked = this.host.refusal();
    if (blocked) return { refused: blocked };
    let target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || !/\.medssl\.(yaml|yml|json)$/.test(target.fsPath)) {
      const found = await vscode.workspace.findFiles('**/*.medssl.{yaml,yml,json}', '**/node_modules/**', 50);
      const pick =
        found.length === 1
          ? { uri: found[0] }
          : await vscode.window.showQuickPick(
              found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
              { placeHolder: 'Config to train on Slurm' },
            );
      if (!pick) return { refused: 'no config chosen' };
      target = pick.uri;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === target!.fsPath);
    if (doc?.isDirty) await doc.save();
    const file = target.fsPath;
    const runsDir = this.host.runsDir(file);
    if (!runsDir) return { refused: 'no runs folder (open a workspace folder)' };
    const rt = await this.host.runtime();
    const args = submitArgs(file, runsDir, settings.slurm(), settings.backend());
    this.host.output.appendLine(`medssl ${args.join(' ')}`);
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MedSSL: submitting ${path.basename(file)} to Slurm…` },
      () => runCli(rt, this.host.cliPath(), args, { cwd: path.dirname(file) }),
    );
    if (r.stderr.trim()) this.host.output.appendLine(r.stderr.trimEnd());
    const runs = parseSubmitOutput(r.stdout);
    if (r.code !== 0 || runs.length === 0) {
      const msg = `MedSSL: Slurm submission failed: ${lastError(r.stderr) || `exit ${r.code}`}`;
      void vscode.window.showErrorMessage(msg, 'Show Output', 'Open Settings').then((a) => {
        if (a === 'Show Output') this.host.output.show();
        else if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'medssl.slurm');
      });
      return { refused: msg };
    }
    const array = runs[0].clusterJobId.split('_')[0];
    this.host.output.appendLine(runs.map((x) => `${x.dir}  job ${x.clusterJobId}`).join('\n'));
    void vscode.window.showInformationMessage(
      `MedSSL: submitted Slurm job ${array} (${runs.length} task${runs.length === 1 ? '' : 's'}); the runs are in the Runs view.`,
    );
    this.host.refresh();
    return { runs };
  }

  /** Stop for a Slurm run: scancel through the CLI. False when the run is not a cluster run. */
  async stop(dir: string): Promise<boolean> {
    let run;
    try {
      run = readRun(dir);
    } catch {
      return false;
    }
    if (!isClusterRun(run)) return false;
    const rt = await this.host.runtime();
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MedSSL: cancelling Slurm job ${run.clusterJobId}…` },
      () => runCli(rt, this.host.cliPath(), ['submit', '--cancel', dir]),
    );
    this.host.output.appendLine(`medssl submit --cancel ${dir} (exit ${r.code})\n${r.stdout}${r.stderr}`.trimEnd());
    if (r.code !== 0) void vscode.window.showErrorMessage(`MedSSL: could not cancel Slurm job ${run.clusterJobId}: ${lastError(r.stderr)}`);
    this.host.refresh();
    return true;
  }

  private async follow(): Promise<void> {
    if (this.following) return;
    const dirs = this.host.openRunDirs().filter((d) => {
      try {
        return isClusterRun(readRun(d));
      } catch {
        return false;
      }
    });
    if (!dirs.length) return;
    this.following = true;
    try {
      const r = await followClusterRuns(dirs, this.host.cliPath());
      for (const e of r.errors) if (!this.said.has(e)) (this.said.add(e), this.host.output.appendLine(`Slurm: ${e}`));
      if (r.changed) this.host.refresh();
    } finally {
      this.following = false;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
