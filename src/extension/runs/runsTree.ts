import * as vscode from 'vscode';
import { configGroupOf, formatDuration, groupByConfig, keyMetric, RunsModel, seedOfRun, type RunSummary } from './runsModel';

export type RunsNode = { kind: 'group'; name: string; runs: RunSummary[] } | { kind: 'run'; summary: RunSummary };

const ICONS: Record<string, [string, string | undefined]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  running: ['sync~spin', 'charts.blue'],
  queued: ['clock', undefined],
  stale: ['warning', 'problemsWarningIcon.foreground'],
  broken: ['warning', 'problemsErrorIcon.foreground'],
};

/** The Runs tree: run folders of the runs folder (including runs started elsewhere), grouped by config. */
export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode> {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly model = new RunsModel();
  private runs: RunSummary[] = [];

  constructor(private readonly runsDir: () => string | undefined) {}

  /** Re-reads the runs folder; returns the runs (for the status bar and tests). */
  refresh(): RunSummary[] {
    const dir = this.runsDir();
    try {
      this.runs = dir ? this.model.read(dir) : [];
    } catch {
      this.runs = [];
    }
    this.emitter.fire(undefined);
    return this.runs;
  }

  current(): RunSummary[] {
    return this.runs;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return [...groupByConfig(this.runs)].map(([name, runs]) => ({ kind: 'group', name, runs }));
    if (node.kind === 'group') return node.runs.map((summary) => ({ kind: 'run', summary }));
    return [];
  }

  /** Needed by TreeView.reveal (selecting a run programmatically): a run's parent is its config group. */
  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'group') return undefined;
    const name = configGroupOf(node.summary);
    const runs = groupByConfig(this.runs).get(name);
    return runs ? { kind: 'group', name, runs } : undefined;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('symbol-folder');
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
      item.contextValue = 'group';
      item.id = `group:${node.name}`;
      return item;
    }
    const s = node.summary;
    const r = s.run;
    // Short label (the side bar is narrow): start time (UTC), the seed of a seeds run, the stage when it is not pretraining.
    const when = r && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(r.started) ? r.started.slice(5, 19).replace('T', ' ') : s.id;
    const seed = seedOfRun(s);
    const label = [when, seed !== undefined ? `seed ${seed}` : '', r && r.stage !== 'pretrain' ? r.stage : ''].filter(Boolean).join(' ');
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${s.dir}`;
    const [icon, color] = ICONS[s.shownStatus] ?? ['question', undefined];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    // The icon already says completed/running: the side bar's width goes to the metric and progress.
    const metric = keyMetric(s);
    const parts: string[] = (s.shownStatus === 'completed' && metric) || (s.shownStatus === 'running' && s.progress) ? [] : [s.shownStatus];
    if (s.shownStatus === 'running' && s.progress) parts.push(`${s.progress.step}/${s.progress.totalSteps}`, `ETA ${formatDuration(s.progress.etaSec)}`);
    if (metric) parts.push(metric);
    item.description = parts.join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${r?.name ?? s.id}** — ${s.shownStatus}\n\nrun \`${s.id}\`\n\n`);
    if (r) {
      md.appendMarkdown(`- stage: ${r.stage}\n`);
      const src = r.source;
      if (src?.runId) md.appendMarkdown(`- evaluates: run \`${src.runId}\`${src.checkpoint ? `, checkpoint ${src.checkpoint.split(/[\\/]/).pop()}` : ''}\n`);
      md.appendMarkdown(`- backend: ${r.backend ? `${r.backend.backend} — ${r.backend.device}` : 'not yet chosen'}\n`);
      md.appendMarkdown(`- host: ${r.host}${r.pid ? `, pid ${r.pid}` : ''}${r.clusterJobId ? `, Slurm job ${r.clusterJobId}` : ''}\n- started: ${r.started}\n`);
      if (r.ended) md.appendMarkdown(`- ended: ${r.ended} (${formatDuration((Date.parse(r.ended) - Date.parse(r.started)) / 1000)})\n`);
      if (s.progress) md.appendMarkdown(`- step ${s.progress.step}/${s.progress.totalSteps}, ${s.progress.imagesPerSec.toFixed(1)} images/s\n`);
      if (metric) md.appendMarkdown(`- ${metric}\n`);
      if (r.error) md.appendMarkdown(`- error: ${r.error.message}\n`);
      if (s.shownStatus === 'stale') md.appendMarkdown(`- run.json says running but process ${r.pid} is gone (killed?): Resume continues from its last checkpoint\n`);
    } else if (s.error) md.appendMarkdown(`${s.error}\n`);
    md.appendMarkdown(`\n\`${s.dir}\``);
    item.tooltip = md;
    // Evaluation runs (medssl evaluate) end in '.eval': no Resume or Evaluate Checkpoint on them.
    const evaluation = r?.stage === 'linear' || r?.stage === 'finetune';
    item.contextValue = `run.${s.shownStatus === 'stale' ? 'failed' : s.shownStatus}${evaluation ? '.eval' : ''}`;
    return item;
  }
}
