/**
 * The extension's job and run commands: Train, Stop, Resume, Reveal, Delete, New Experiment, Validate,
 * the Runs view, the status bar, notifications, one output channel per job. Jobs are `dist/cli.js`
 * child processes (JobManager); nothing computes in the extension host.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_NAME_PATTERN, defaultConfig, stringifyConfig } from '../core/config';
import { readRun } from '../core/runs';
import { ConfigAuthoring, isConfigDocument } from './config/configAuthoring';
import { JobManager, type Job } from './jobs/jobManager';
import { CONFIG_FILE_PATTERN, jobBlockedReason, resumeArgs, trainArgs } from './jobs/trust';
import { formatDuration } from './runs/runsModel';
import { RunsTreeProvider, type RunsNode } from './runs/runsTree';
import { resolveNodeRuntime, type NodeRuntime } from './worker/nodeRuntime';
import { evaluateCheckpoint, type EvalMode } from './commands/evaluateCheckpoint';
import { compareRuns } from './commands/compareRuns';
import { SlurmCommands } from './commands/trainOnSlurm';
import { startPhase } from './jobs/jobPhase';
import { showJobProgress } from './jobs/jobProgress';
import { runCli } from './worker/runCli';
import { openCollapsePanel } from './panels/collapsePanel';
import { openCurvesPanel } from './panels/curvesPanel';
import { openOverlaysPanel } from './panels/overlaysPanel';
import type { RunPanel } from './panels/runPanel';
import { runningRuns, selectRun } from './panels/runView';

export interface TrainResult {
  /** Set when the job was not started (untrusted workspace, invalid config, no file). */
  refused?: string;
  job?: Job;
  /** Resolves when the job ends, with its run status. */
  done?: Promise<Job>;
}

export const TEMPLATES = [
  { id: 'smoke', label: 'Smoke test', detail: 'The full method on the built-in phantom with a tiny ResNet-18: finishes in about a minute on a CPU.', file: 'smoke.medssl.yaml' },
  { id: 'phantom-demo', label: 'Phantom demo', detail: 'Pretraining and linear evaluation on the built-in abdominal phantom.', file: 'phantom-demo.medssl.yaml' },
  { id: 'ablation', label: 'Ablation', detail: 'MoCo v2 vs + local loss vs + whitening: one run per variant, then a table.', file: 'ablation.medssl.yaml' },
  { id: 'nifti', label: 'My NIfTI dataset…', detail: 'Pick a dataset folder; `medssl inspect` checks it and the config points at it.', file: undefined },
] as const;

export class Studio implements vscode.Disposable {
  readonly tree: RunsTreeProvider;
  /** The Runs tree view (its selection drives the side view). */
  runsView!: vscode.TreeView<RunsNode>;
  readonly jobs: JobManager;
  readonly authoring = new ConfigAuthoring();
  /** Train on Slurm…, Stop = scancel for Slurm runs, following their queue state (commands/trainOnSlurm.ts). */
  readonly slurm: SlurmCommands;
  private readonly channels = new Map<number, vscode.OutputChannel>();
  private readonly waiters = new Map<number, ((j: Job) => void)[]>();
  private readonly status = vscode.window.createStatusBarItem('medssl.jobs', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private runtime?: Promise<NodeRuntime>;
  private poll?: NodeJS.Timeout;
  /** Fires on every change of a job (state, run folder, progress): progress notifications follow it. */
  readonly jobChanged = new vscode.EventEmitter<Job>();
  /** Test hook (registered only under the integration driver): behave as in an untrusted workspace. */
  simulateUntrusted = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {
    this.tree = new RunsTreeProvider(() => this.runsDir());
    this.jobs = new JobManager({
      spawn: (spec) => {
        const rt = this.resolvedRuntime;
        if (!rt) throw new Error('worker runtime not resolved');
        // stdout+stderr to a log file (not a pipe) and a process group of its own: a window reload does not end
        // the job, and the next activation re-attaches to it (events.jsonl).
        let out: number | 'pipe' = 'pipe';
        if (spec.logFile) {
          fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
          out = fs.openSync(spec.logFile, 'a');
        }
        try {
          const child = spawn(rt.command, [this.cliPath(), ...spec.args], { cwd: spec.cwd, env: { ...process.env, ...rt.env }, stdio: ['ignore', out, out], detached: true });
          child.unref();
          return child;
        } finally {
          if (typeof out === 'number') fs.closeSync(out);
        }
      },
      maxConcurrent: () => vscode.workspace.getConfiguration('medssl').get<number>('maxConcurrentJobs', 1),
      graceMs: () => 1000 * vscode.workspace.getConfiguration('medssl').get<number>('stopGraceSeconds', 30),
      log: (job, line) => this.channel(job).appendLine(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
      changed: (job) => (this.jobChanged.fire(job), this.onJobsChanged()),
      finished: (job) => this.onJobFinished(job),
    });
    this.status.command = 'workbench.view.extension.medssl';
    this.slurm = new SlurmCommands({
      runtime: () => this.getRuntime(),
      cliPath: () => this.cliPath(),
      runsDir: (f) => this.runsDir(f),
      output: this.output,
      blocked: () => jobBlockedReason(this.isTrusted()),
      refresh: () => this.refresh(),
      openRunDirs: () => this.tree.current().filter((r) => r.run?.status === 'queued' || r.run?.status === 'running').map((r) => r.dir),
    });
    this.disposables.push(this.slurm);
    const runsView = vscode.window.createTreeView('medssl.runs', { treeDataProvider: this.tree, showCollapseAll: true, canSelectMany: true });
    this.runsView = runsView;
    this.disposables.push(
      this.jobChanged,
      this.authoring,
      this.status,
      runsView,
      // The side view (Run) follows the run selected in the Runs view; with none selected, the running run.
      runsView.onDidChangeSelection((e) => {
        const node = e.selection[0];
        selectRun(node?.kind === 'run' ? node.summary.dir : undefined);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('medssl.runsDir') && (this.watchRuns(), this.refresh())),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void vscode.commands.executeCommand('setContext', 'medssl.trusted', true)),
    );
    void vscode.commands.executeCommand('setContext', 'medssl.trusted', vscode.workspace.isTrusted);
    this.register();
    this.watchRuns();
    this.refresh();
  }

  private resolvedRuntime?: NodeRuntime;

  /** The worker's stdout/stderr (JSON lines) of one job: <runsDir>/.jobs/<time>-<n>.log (hidden from listRuns). */
  private logSeq = 0;
  private logFile(runsDir: string): string {
    return path.join(runsDir, '.jobs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++this.logSeq}.log`);
  }

  private cliPath(): string {
    return path.join(this.context.extensionPath, 'dist', 'cli.js');
  }

  /** The runs folder: medssl.runsDir, relative to the first workspace folder. */
  runsDir(configFile?: string): string | undefined {
    const setting = vscode.workspace.getConfiguration('medssl').get<string>('runsDir', 'runs') || 'runs';
    if (path.isAbsolute(setting)) return setting;
    const ws = (configFile && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(configFile))) || vscode.workspace.workspaceFolders?.[0];
    if (ws) return path.join(ws.uri.fsPath, setting);
    return configFile ? path.join(path.dirname(configFile), setting) : undefined;
  }

  private getRuntime(): Promise<NodeRuntime> {
    if (!this.runtime) {
      const setting = vscode.workspace.getConfiguration('medssl').get<string>('nodePath', '');
      this.runtime = resolveNodeRuntime(setting, process.execPath).then(
        (rt) => {
          this.resolvedRuntime = rt;
          this.output.appendLine(`Worker runtime: ${rt.description}`);
          return rt;
        },
        (e) => {
          this.runtime = undefined;
          throw e;
        },
      );
    }
    return this.runtime;
  }

  private channel(job: Job): vscode.OutputChannel {
    let ch = this.channels.get(job.key);
    if (!ch) {
      ch = vscode.window.createOutputChannel(`MedSSL Run ${job.key}: ${job.spec.label}`);
      this.channels.set(job.key, ch);
      this.disposables.push(ch);
    }
    return ch;
  }

  private isTrusted(): boolean {
    return vscode.workspace.isTrusted && !this.simulateUntrusted;
  }

  // ------------------------------------------------------------------------------------------------
  private register(): void {
    const reg = (id: string, fn: (...a: never[]) => unknown) => this.disposables.push(vscode.commands.registerCommand(id, fn as (...a: unknown[]) => unknown));
    reg('medssl.train', (uri?: vscode.Uri) => this.train(uri));
    reg('medssl.trainOnSlurm', (uri?: vscode.Uri) => this.slurm.train(uri));
    reg('medssl.validateConfig', (uri?: vscode.Uri) => this.validateCommand(uri));
    reg('medssl.newExperiment', (opts?: { template?: string; name?: string; folder?: string; dataFolder?: string; open?: boolean }) => this.newExperiment(opts));
    reg('medssl.stopRun', (node?: RunsNode | string) => this.stopRun(node));
    reg('medssl.resumeRun', (node?: RunsNode | string) => this.resumeRun(node));
    reg('medssl.revealRun', (node?: RunsNode | string) => this.revealRun(node));
    reg('medssl.deleteRun', (node?: RunsNode | string, opts?: { confirm?: boolean }) => this.deleteRun(node, opts));
    reg('medssl.showRunLog', (node?: RunsNode | string) => this.showRunLog(node));
    reg('medssl.refreshRuns', () => this.refresh());
    reg('medssl.evaluateCheckpoint', (node?: RunsNode | string, opts?: { mode?: EvalMode }) => evaluateCheckpoint(this.evaluateHost(), node, opts));
    // From the palette or the view's title bar (no arguments): the Runs view's current selection, else a quick pick.
    reg('medssl.compareRuns', (node?: RunsNode | string, selection?: (RunsNode | string)[]) =>
      compareRuns(this.context, () => this.refresh(), node, selection ?? (node ? undefined : this.runsView.selection)));
    reg('medssl.openCurves', (node?: RunsNode | string) => this.openPanel(node, 'curves'));
    reg('medssl.openCollapse', (node?: RunsNode | string) => this.openPanel(node, 'collapse'));
    reg('medssl.openOverlays', (node?: RunsNode | string) => this.openPanel(node, 'overlays'));
    if (process.env.MEDSSL_TEST_REPO) {
      // Integration tests only: code-server runs with --disable-workspace-trust, so an untrusted workspace is simulated.
      reg('medssl.test.simulateUntrusted', (on: boolean) => (this.simulateUntrusted = on));
      reg('medssl.test.jobs', () => this.jobs.all().map((j) => ({ key: j.key, state: j.state, result: j.result, runDirs: j.runDirs, pid: j.pid, attached: !!j.attached })));
    }
  }

  private configUri(uri?: vscode.Uri): vscode.Uri | undefined {
    if (uri instanceof vscode.Uri) return uri;
    const doc = vscode.window.activeTextEditor?.document;
    return doc && isConfigDocument(doc) ? doc.uri : undefined;
  }

  async train(uri?: vscode.Uri): Promise<TrainResult> {
    const blocked = jobBlockedReason(this.isTrusted());
    if (blocked) {
      this.output.appendLine(blocked);
      void vscode.window.showWarningMessage(blocked, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
      return { refused: blocked };
    }
    let target = this.configUri(uri);
    if (!target) {
      const found = await vscode.workspace.findFiles('**/*.medssl.{yaml,yml,json}', '**/node_modules/**', 50);
      if (found.length === 0) {
        const msg = 'MedSSL: no *.medssl.yaml config to train. Create one with MedSSL: New Experiment.';
        void vscode.window.showWarningMessage(msg, 'New Experiment').then((a) => a && vscode.commands.executeCommand('medssl.newExperiment'));
        return { refused: msg };
      }
      const pick = found.length === 1 ? { uri: found[0] } : await vscode.window.showQuickPick(found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { placeHolder: 'Config to train' });
      if (!pick) return { refused: 'cancelled' };
      target = pick.uri;
    }
    // Validate first (unsaved edits are saved: the job reads the file).
    const doc = await vscode.workspace.openTextDocument(target);
    if (doc.isDirty) await doc.save();
    const v = this.authoring.validate(doc);
    if (v && !v.ok) {
      const n = v.problems.filter((p) => p.severity === 'error').length;
      const msg = `MedSSL: ${path.basename(target.fsPath)} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} before training.`;
      void vscode.window.showErrorMessage(msg, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
      return { refused: msg };
    }
    const file = target.fsPath;
    const runsDir = this.runsDir(file)!;
    const backend = vscode.workspace.getConfiguration('medssl').get<string>('backend', 'auto');
    const queued = await this.enqueueJob({ label: v?.config?.name ?? path.basename(file), args: trainArgs(file, runsDir, backend), cwd: path.dirname(file), runsDir });
    if ('refused' in queued) return queued;
    const job = queued.job;
    if (job.state === 'queued') void vscode.window.showInformationMessage(`MedSSL: ${job.spec.label} is queued (medssl.maxConcurrentJobs = ${vscode.workspace.getConfiguration('medssl').get('maxConcurrentJobs')}).`);
    this.showStartProgress(job);
    return { job, done: this.whenDone(job) };
  }

  /** A cancellable notification from spawn to the job's first progress event (Cancel = Stop). */
  private showStartProgress(job: Job): void {
    void showJobProgress(job, { title: `MedSSL: starting ${job.spec.label}`, phase: startPhase, changed: this.jobChanged.event, stop: (j) => this.jobs.stop(j) });
  }

  /** Starts a CLI job other than Train/Resume (Evaluate Checkpoint): trust, runtime, queue, output channel. */
  async startJob(spec: { label: string; args: string[]; cwd: string; runsDir: string }): Promise<TrainResult> {
    const blocked = jobBlockedReason(this.isTrusted());
    if (blocked) {
      void vscode.window.showWarningMessage(blocked, 'Manage Workspace Trust').then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
      return { refused: blocked };
    }
    const queued = await this.enqueueJob(spec);
    if ('refused' in queued) return queued;
    return { job: queued.job, done: this.whenDone(queued.job) };
  }

  /** Every job: the worker runtime (or why there is none, with the setting to fix it), the queue, its output channel. */
  private async enqueueJob(spec: { label: string; args: string[]; cwd: string; runsDir: string }): Promise<{ job: Job } | { refused: string }> {
    let rt: NodeRuntime;
    try {
      rt = await this.getRuntime();
    } catch (e) {
      const msg = `MedSSL: ${(e as Error).message}`;
      void vscode.window.showErrorMessage(msg, 'Open Settings').then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'medssl.nodePath'));
      return { refused: msg };
    }
    const job = this.jobs.enqueue({ label: spec.label, args: spec.args, cwd: spec.cwd, logFile: this.logFile(spec.runsDir) });
    this.channel(job).appendLine(`Worker runtime: ${rt.description}`);
    return { job };
  }

  private evaluateHost() {
    return {
      runs: () => this.refresh(),
      backend: () => vscode.workspace.getConfiguration('medssl').get<string>('backend', 'auto'),
      startJob: (spec: { label: string; args: string[]; cwd: string; runsDir: string }) => this.startJob(spec),
      jobChanged: this.jobChanged.event,
      stop: (j: Job) => this.jobs.stop(j),
    };
  }

  whenDone(job: Job): Promise<Job> {
    if (job.state === 'finished') return Promise.resolve(job);
    return new Promise((resolve) => this.waiters.set(job.key, [...(this.waiters.get(job.key) ?? []), resolve]));
  }

  async validateCommand(uri?: vscode.Uri): Promise<{ ok: boolean; errors: number; warnings: number } | undefined> {
    const target = this.configUri(uri);
    if (!target) {
      void vscode.window.showWarningMessage('MedSSL: open a *.medssl.yaml or *.medssl.json config to validate.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(target);
    const v = this.authoring.validate(doc);
    if (!v) return undefined;
    const errors = v.problems.filter((p) => p.severity === 'error').length;
    const warnings = v.problems.length - errors;
    const name = path.basename(target.fsPath);
    if (v.problems.length === 0) void vscode.window.showInformationMessage(`MedSSL: ${name} is valid.`);
    else
      void vscode.window
        .showWarningMessage(`MedSSL: ${name}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`, 'Show Problems')
        .then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return { ok: v.ok, errors, warnings };
  }

  // ------------------------------------------------------------------------------------------------
  async newExperiment(opts: { template?: string; name?: string; folder?: string; dataFolder?: string; open?: boolean } = {}): Promise<vscode.Uri | undefined> {
    const tpl = opts.template
      ? TEMPLATES.find((t) => t.id === opts.template)
      : await vscode.window.showQuickPick(TEMPLATES.map((t) => ({ ...t, label: t.label, detail: t.detail })), { placeHolder: 'Template for the new experiment' });
    if (!tpl) return undefined;
    const name =
      opts.name ??
      (await vscode.window.showInputBox({
        prompt: 'Experiment name (the config file is <name>.medssl.yaml; run folders carry it)',
        value: tpl.id === 'nifti' ? 'my-dataset' : `my-${tpl.id}`,
        validateInput: (s) => (CONFIG_NAME_PATTERN.test(s) ? undefined : 'letters, digits, . _ - (start with a letter or digit, at most 64)'),
      }));
    if (!name) return undefined;
    if (!CONFIG_NAME_PATTERN.test(name)) throw new Error(`'${name}' is not a valid experiment name`);
    const folder = opts.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) {
      void vscode.window.showWarningMessage('MedSSL: open a folder first; the config is written into it.');
      return undefined;
    }
    let text: string;
    if (tpl.file) {
      text = fs.readFileSync(path.join(this.context.extensionPath, 'examples', tpl.file), 'utf8');
      text = /^name:.*$/m.test(text) ? text.replace(/^name:.*$/m, `name: ${name}`) : `name: ${name}\n${text}`;
    } else {
      let data = opts.dataFolder;
      if (!data) {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this dataset', title: 'MedSSL: the NIfTI dataset folder (MSD, nnU-Net, or images/ + labels/)' });
        data = picked?.[0]?.fsPath;
      }
      if (!data) return undefined;
      const report = await this.inspect(data);
      if (report === undefined) return undefined; // inspection cancelled
      const cfg = defaultConfig(name);
      cfg.data.source = 'folder';
      cfg.data.path = path.relative(folder, data) || '.';
      text = stringifyConfig(cfg, `MedSSL experiment on ${data}\n${report}\nEvery key is documented on hover.`);
    }
    let file = path.join(folder, `${name}.medssl.yaml`);
    for (let i = 2; fs.existsSync(file); i++) file = path.join(folder, `${name}-${i}.medssl.yaml`);
    fs.writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    if (opts.open !== false) await vscode.window.showTextDocument(uri);
    return uri;
  }

  /** `medssl inspect` in a worker (cancellable notification); a summary for the config's header, undefined when cancelled. */
  private async inspect(dataFolder: string): Promise<string | undefined> {
    let rt: NodeRuntime;
    try {
      rt = await this.getRuntime();
    } catch (e) {
      return `medssl inspect not run: ${(e as Error).message}`;
    }
    const ac = new AbortController();
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MedSSL: inspecting ${path.basename(dataFolder)}…`, cancellable: true }, (_p, token) => {
      token.onCancellationRequested(() => ac.abort());
      return runCli(rt, this.cliPath(), ['inspect', dataFolder, '--json'], { signal: ac.signal });
    });
    if (ac.signal.aborted) {
      this.output.appendLine(`medssl inspect ${dataFolder}: cancelled`);
      return undefined;
    }
    this.output.appendLine(`medssl inspect ${dataFolder} (exit ${r.code})`);
    try {
      const rep = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { layout: string; caseCount: number; labelled: boolean; problems: { file?: string; message?: string }[] };
      const shown = rep.problems.slice(0, 10).map((p) => `\n  problem: ${p.file ? `${p.file}: ` : ''}${p.message ?? ''}`);
      const more = rep.problems.length > shown.length ? `\n  … ${rep.problems.length - shown.length} more (medssl inspect ${dataFolder})` : '';
      const line = `inspect: ${rep.caseCount} cases, layout ${rep.layout}, ${rep.labelled ? 'labelled' : 'no labels'}, ${rep.problems.length} problem(s)${shown.join('')}${more}`;
      this.output.appendLine(line);
      if (rep.problems.length) {
        this.output.appendLine(r.stdout);
        void vscode.window.showWarningMessage(`MedSSL: ${rep.problems.length} problem(s) in ${dataFolder}; see the MedSSL output.`, 'Show').then((a) => a && this.output.show());
      }
      return line;
    } catch {
      this.output.appendLine(r.stderr);
      void vscode.window.showWarningMessage(`MedSSL: medssl inspect could not read ${dataFolder}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
      return `inspect failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    }
  }

  /** Opens a run panel on the given run, or on one picked from the Runs view's runs. */
  private async openPanel(node: RunsNode | string | undefined, kind: 'curves' | 'collapse' | 'overlays'): Promise<RunPanel | undefined> {
    const dir = await this.pickRun(node, () => true, `Run to show the ${kind} of`);
    if (!dir) return undefined;
    if (kind === 'curves') return openCurvesPanel(this.context, dir);
    if (kind === 'collapse') return openCollapsePanel(this.context, dir);
    return openOverlaysPanel(this.context, dir);
  }

  // ------------------------------------------------------------------------------------------------
  private runDirOf(node?: RunsNode | string): string | undefined {
    if (typeof node === 'string') return node;
    if (node?.kind === 'run') return node.summary.dir;
    return undefined;
  }

  private async pickRun(node: RunsNode | string | undefined, filter: (status: string) => boolean, placeHolder: string): Promise<string | undefined> {
    const dir = this.runDirOf(node);
    if (dir) return dir;
    const runs = this.tree.refresh().filter((r) => filter(r.shownStatus));
    if (!runs.length) {
      void vscode.window.showInformationMessage(`MedSSL: no run to choose (${placeHolder.toLowerCase()}).`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(runs.map((r) => ({ label: r.id, description: `${r.run?.name ?? ''} · ${r.shownStatus}`, dir: r.dir })), { placeHolder });
    return pick?.dir;
  }

  async stopRun(node?: RunsNode | string): Promise<boolean> {
    const dir = await this.pickRun(node, (s) => s === 'running' || s === 'queued', 'Run to stop');
    if (dir && (await this.slurm.stop(dir))) return true; // a Slurm run: scancel
    let job = dir ? this.jobs.byRunDir(dir) : undefined;
    if (!job && dir) job = this.jobs.attach(dir, path.basename(dir));
    if (!job) {
      if (!dir) {
        const active = this.jobs.active();
        if (active.length === 1) job = active[0];
      }
      if (!job) return false;
    }
    this.jobs.stop(job);
    return true;
  }

  async resumeRun(node?: RunsNode | string): Promise<TrainResult> {
    const blocked = jobBlockedReason(this.isTrusted());
    if (blocked) {
      void vscode.window.showWarningMessage(blocked);
      return { refused: blocked };
    }
    const dir = await this.pickRun(node, (s) => s === 'cancelled' || s === 'failed' || s === 'stale', 'Run to resume');
    if (!dir) return { refused: 'no run chosen' };
    const backend = vscode.workspace.getConfiguration('medssl').get<string>('backend', 'auto');
    let label = path.basename(dir);
    try {
      label = `${readRun(dir).name} (resume)`;
    } catch {
      /* keep the folder name */
    }
    const queued = await this.enqueueJob({ label, args: resumeArgs(dir, path.dirname(dir), backend), cwd: path.dirname(dir), runsDir: path.dirname(dir) });
    if ('refused' in queued) return queued;
    const job = queued.job;
    this.showStartProgress(job);
    return { job, done: this.whenDone(job) };
  }

  async revealRun(node?: RunsNode | string): Promise<void> {
    const dir = await this.pickRun(node, () => true, 'Run folder to reveal');
    if (!dir) return;
    const uri = vscode.Uri.file(path.join(dir, 'run.json'));
    try {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } catch {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    }
  }

  async deleteRun(node?: RunsNode | string, opts: { confirm?: boolean } = {}): Promise<boolean> {
    const dir = await this.pickRun(node, (s) => s !== 'running' && s !== 'queued', 'Run to delete');
    if (!dir) return false;
    if (this.jobs.byRunDir(dir)) {
      void vscode.window.showWarningMessage('MedSSL: stop the run before deleting it.');
      return false;
    }
    if (opts.confirm !== false) {
      const a = await vscode.window.showWarningMessage(`Delete the run folder ${path.basename(dir)} and everything in it (checkpoints, metrics)?`, { modal: true }, 'Delete');
      if (a !== 'Delete') return false;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    this.refresh();
    return true;
  }

  private showRunLog(node?: RunsNode | string): void {
    const dir = this.runDirOf(node);
    const job = dir ? this.jobs.all().filter((j) => j.runDirs.includes(dir)).pop() : undefined;
    if (job) this.channel(job).show(true);
    else if (dir) void vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'events.jsonl')));
  }

  // ------------------------------------------------------------------------------------------------
  private watcher?: vscode.FileSystemWatcher;

  private watchRuns(): void {
    this.watcher?.dispose();
    const dir = this.runsDir();
    if (!dir) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*/run.json'));
    const r = () => this.refreshSoon();
    this.watcher.onDidCreate(r);
    this.watcher.onDidChange(r);
    this.watcher.onDidDelete(r);
    this.disposables.push(this.watcher);
    // Runs started elsewhere (terminal, another window) also show up without a file event (remote file systems).
    clearInterval(this.poll);
    this.poll = setInterval(() => this.refresh(), 3000);
  }

  private refreshTimer?: NodeJS.Timeout;
  private refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 200);
  }

  refresh() {
    const runs = this.tree.refresh();
    this.reattach();
    this.updateStatus();
    return runs;
  }

  /**
   * After a window reload, and for runs started elsewhere on this machine (a terminal): follow runs whose
   * process is alive (tail events.jsonl; Stop signals the pid; a notification when it ends).
   */
  private reattach(): void {
    const ownPids = new Set(this.jobs.active().map((j) => j.pid));
    for (const r of this.tree.current()) {
      if (r.shownStatus === 'running' && r.run?.pid !== undefined && !ownPids.has(r.run.pid) && !this.jobs.byRunDir(r.dir)) {
        const job = this.jobs.attach(r.dir, r.run?.name ?? r.id);
        if (job) this.output.appendLine(`Re-attached to running job ${r.id} (pid ${job.pid}).`);
      }
    }
  }

  private onJobsChanged(): void {
    this.updateStatus();
    runningRuns(this.jobs.all().flatMap((j) => (j.state === 'running' && j.runDirs.length ? [j.runDirs[j.runDirs.length - 1]] : [])));
    this.refreshSoon();
  }

  private updateStatus(): void {
    const active = this.jobs.active();
    const running = active.filter((j) => j.state === 'running');
    const queued = active.length - running.length;
    if (!active.length) {
      this.status.hide();
      return;
    }
    const j = running[0];
    const p = j?.progress;
    const pct = p && p.totalSteps ? Math.floor((100 * p.step) / p.totalSteps) : undefined;
    this.status.text = `$(sync~spin) MedSSL ${j ? j.spec.label : ''}${pct !== undefined ? ` ${pct}% · ETA ${formatDuration(p!.etaSec)}` : ''}${running.length > 1 ? ` (+${running.length - 1})` : ''}${queued ? ` · ${queued} queued` : ''}`;
    this.status.tooltip = active.map((x) => `${x.spec.label}: ${x.state}${x.progress ? ` step ${x.progress.step}/${x.progress.totalSteps}, ${x.progress.imagesPerSec.toFixed(1)} img/s` : ''}`).join('\n');
    this.status.show();
  }

  private onJobFinished(job: Job): void {
    // The job's stdout log was mirrored into its output channel line by line; the run folder has the events.
    if (job.spec.logFile) fs.rmSync(job.spec.logFile, { force: true });
    this.refresh();
    for (const w of this.waiters.get(job.key) ?? []) w(job);
    this.waiters.delete(job.key);
    const label = job.spec.label;
    if (job.result === 'completed') {
      void vscode.window.showInformationMessage(`MedSSL: ${label} completed.`, 'Open Curves', 'Reveal Run Folder', 'Show Log').then((a) => this.afterNotification(job, a));
    } else if (job.result === 'cancelled') {
      void vscode.window.showInformationMessage(`MedSSL: ${label} stopped (cancelled; a checkpoint was saved — Resume Run continues it).`, 'Resume Run', 'Show Log').then((a) => this.afterNotification(job, a));
    } else {
      void vscode.window.showErrorMessage(`MedSSL: ${label} failed${job.error ? `: ${job.error}` : ''}.`, 'Show Log', 'Reveal Run Folder').then((a) => this.afterNotification(job, a));
    }
  }

  private afterNotification(job: Job, action: string | undefined): void {
    const dir = job.runDirs[job.runDirs.length - 1];
    if (action === 'Show Log') this.channel(job).show();
    else if (action === 'Reveal Run Folder' && dir) void this.revealRun(dir);
    else if (action === 'Resume Run' && dir) void this.resumeRun(dir);
    else if (action === 'Open Curves' && dir) void this.openPanel(dir, 'curves');
  }

  dispose(): void {
    clearInterval(this.poll);
    clearTimeout(this.refreshTimer);
    this.jobs.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

export { CONFIG_FILE_PATTERN };
