/**
 * The commands on run folders (the Runs view's items and title bar): Stop, Reveal, Delete, Show Log,
 * Refresh, the run panels (Curves, Collapse, Overlays), Export Weights and Compare Runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openCollapsePanel } from '../panels/collapsePanel';
import { openCurvesPanel } from '../panels/curvesPanel';
import { openOverlaysPanel } from '../panels/overlaysPanel';
import type { RunPanel } from '../panels/runPanel';
import { pickRun, runDirOf, type RunArg } from '../runs/pickRun';
import type { RunsNode } from '../runs/runsTree';
import type { Studio } from '../studio';
import { compareRuns } from './compareRuns';
import { exportWeights } from './exportWeights';

const runs = (studio: Studio) => () => studio.tree.refresh();

export async function stopRun(studio: Studio, node?: RunArg): Promise<boolean> {
  const dir = await pickRun(runs(studio), node, (s) => s === 'running' || s === 'queued', 'Run to stop');
  if (dir && (await studio.slurm.stop(dir))) return true; // a Slurm run: scancel
  const jobs = studio.jobs.manager;
  let job = dir ? jobs.byRunDir(dir) : undefined;
  if (!job && dir) job = jobs.attach(dir, path.basename(dir));
  if (!job && !dir) {
    const active = jobs.active();
    if (active.length === 1) job = active[0];
  }
  if (!job) return false;
  jobs.stop(job);
  return true;
}

export async function revealRun(studio: Studio, node?: RunArg): Promise<void> {
  const dir = await pickRun(runs(studio), node, () => true, 'Run folder to reveal');
  if (!dir) return;
  const uri = vscode.Uri.file(path.join(dir, 'run.json'));
  try {
    await vscode.commands.executeCommand('revealInExplorer', uri);
  } catch {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  }
}

export async function deleteRun(studio: Studio, node?: RunArg, opts: { confirm?: boolean } = {}): Promise<boolean> {
  const dir = await pickRun(runs(studio), node, (s) => s !== 'running' && s !== 'queued', 'Run to delete');
  if (!dir) return false;
  if (studio.jobs.manager.byRunDir(dir)) {
    void vscode.window.showWarningMessage('MedSSL: stop the run before deleting it.');
    return false;
  }
  if (opts.confirm !== false) {
    const a = await vscode.window.showWarningMessage(
      `Delete the run folder ${path.basename(dir)} and everything in it (checkpoints, metrics)?`,
      { modal: true },
      'Delete',
    );
    if (a !== 'Delete') return false;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  studio.refresh();
  return true;
}

/** The job's output channel when this window ran it, else the run's events.jsonl. */
export function showRunLog(studio: Studio, node?: RunArg): void {
  const dir = runDirOf(node);
  const job = dir
    ? studio.jobs.manager
        .all()
        .filter((j) => j.runDirs.includes(dir))
        .pop()
    : undefined;
  if (job) studio.jobs.channel(job).show(true);
  else if (dir) void vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'events.jsonl')));
}

/** Opens a run panel on the given run, or on one picked from the Runs view's runs. */
export async function openPanel(studio: Studio, node: RunArg, kind: 'curves' | 'collapse' | 'overlays'): Promise<RunPanel | undefined> {
  const dir = await pickRun(runs(studio), node, () => true, `Run to show the ${kind} of`);
  if (!dir) return undefined;
  if (kind === 'curves') return openCurvesPanel(studio.context, dir);
  if (kind === 'collapse') return openCollapsePanel(studio.context, dir);
  return openOverlaysPanel(studio.context, dir);
}

export function registerRunCommands(studio: Studio): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    reg('medssl.stopRun', (node?: RunArg) => stopRun(studio, node)),
    reg('medssl.revealRun', (node?: RunArg) => revealRun(studio, node)),
    reg('medssl.deleteRun', (node?: RunArg, opts?: { confirm?: boolean }) => deleteRun(studio, node, opts)),
    reg('medssl.showRunLog', (node?: RunArg) => showRunLog(studio, node)),
    reg('medssl.refreshRuns', () => studio.refresh()),
    reg('medssl.openCurves', (node?: RunArg) => openPanel(studio, node, 'curves')),
    reg('medssl.openCollapse', (node?: RunArg) => openPanel(studio, node, 'collapse')),
    reg('medssl.openOverlays', (node?: RunArg) => openPanel(studio, node, 'overlays')),
    reg('medssl.exportWeights', (node?: RunArg, opts?: { out?: string }) => exportWeights(studio, node, opts)),
    // From the palette or the view's title bar (no arguments): the Runs view's current selection, else a quick pick.
    reg('medssl.compareRuns', (node?: RunArg, selection?: (RunsNode | string)[]) =>
      compareRuns(studio.context, () => studio.refresh(), node, selection ?? (node ? undefined : studio.runsView.selection)),
    ),
  ];
}
