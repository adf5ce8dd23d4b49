/** Which run a run command acts on: the clicked node or given folder, else one picked from the Runs view's runs. */
import * as vscode from 'vscode';
import type { RunSummary } from './runsModel';
import type { RunsNode } from './runsTree';

/** A command's run argument: a Runs view node or a run folder (tests, notifications). */
export type RunArg = RunsNode | string | undefined;

export function runDirOf(node: RunArg): string | undefined {
  if (typeof node === 'string') return node;
  if (node?.kind === 'run') return node.summary.dir;
  return undefined;
}

export async function pickRun(runs: () => RunSummary[], node: RunArg, filter: (status: string) => boolean, placeHolder: string): Promise<string | undefined> {
  const dir = runDirOf(node);
  if (dir) return dir;
  const candidates = runs().filter((r) => filter(r.shownStatus));
  if (!candidates.length) {
    void vscode.window.showInformationMessage(`MedSSL: no run to choose (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(candidates.map((r) => ({ label: r.id, description: `${r.run?.name ?? ''} · ${r.shownStatus}`, dir: r.dir })), { placeHolder });
  return pick?.dir;
}
