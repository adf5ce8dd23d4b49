/**
 * MedSSL: Export Weights… — a run's pretrained encoder as torchvision-layout safetensors (with
 * load_in_pytorch.py beside it), through `medssl export` in a worker process (TensorFlow never loads in
 * the extension host). Reveal the file or copy the Python lines that load it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickRun, type RunArg } from '../runs/pickRun';
import { evaluableRuns } from '../runs/runSelection';
import type { Studio } from '../studio';
import { runCli } from '../worker/runCli';
import { defaultExportFile, exportArgs, exportOutcome, pythonSnippet, type ExportOutcome } from './exportResult';

export async function exportWeights(studio: Studio, node?: RunArg, opts: { out?: string } = {}): Promise<ExportOutcome | undefined> {
  const withCheckpoint = new Set(evaluableRuns(studio.tree.refresh()).map((r) => r.dir));
  const dir = await pickRun(
    () => studio.tree.refresh().filter((r) => withCheckpoint.has(r.dir)),
    node,
    () => true,
    'Run whose encoder to export',
  );
  if (!dir) return undefined;
  let file = opts.out;
  if (!file) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultExportFile(dir)),
      filters: { safetensors: ['safetensors'] },
      saveLabel: 'Export',
    });
    if (!uri) return undefined;
    file = uri.fsPath;
  }
  const refused = studio.trust.refusal();
  if (refused) return { ok: false, reason: refused };
  const rt = await studio.runtime.get();
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MedSSL: exporting ${path.basename(dir)}…` },
    () => runCli(rt, studio.runtime.cliPath, exportArgs(dir, file), { cwd: path.dirname(dir) }),
  );
  const outcome = exportOutcome(r.code, r.stdout, r.stderr);
  studio.output.appendLine(`medssl export ${dir} (exit ${r.code})${outcome.ok ? `: ${outcome.file}` : `: ${outcome.reason}`}`);
  if (!outcome.ok) {
    void vscode.window.showErrorMessage(`MedSSL: Export Weights failed — ${outcome.reason}`);
    return outcome;
  }
  const loader = outcome.loader;
  void vscode.window
    .showInformationMessage(
      `MedSSL: exported ${path.basename(outcome.file)} (${(outcome.bytes / 1e6).toFixed(1)} MB) and load_in_pytorch.py`,
      'Reveal',
      'Copy Python',
    )
    .then((a) => {
      if (a === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outcome.file));
      if (a === 'Copy Python') void vscode.env.clipboard.writeText(pythonSnippet(loader));
    });
  return outcome;
}
