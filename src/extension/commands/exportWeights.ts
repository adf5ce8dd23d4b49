/**
 * MedSSL: Export Weights… — a run's weights for the tools the field uses, through `medssl export` in a
 * worker process (TensorFlow never loads in the extension host):
 *  - safetensors: the pretrained encoder in torchvision layout, load_in_pytorch.py beside it;
 *  - ONNX: a saved segmentation model (fine-tuned or linear) or the encoder alone.
 * A quick pick for the format, one for the ONNX model when the run has several, then the save dialog.
 * Reveal the file or copy the Python lines that load it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickRun, runDirOf, type RunArg } from '../runs/pickRun';
import { evaluableRuns } from '../runs/runSelection';
import type { Studio } from '../studio';
import { runCli } from '../worker/runCli';
import {
  EXPORT_FORMAT_ITEMS,
  ONNX_MODEL_LABELS,
  defaultExportFile,
  exportArgs,
  exportOutcome,
  onnxChoices,
  onnxSnippet,
  pythonSnippet,
  type ExportFormat,
  type ExportOutcome,
  type OnnxModelChoice,
} from './exportResult';

const ENDED = ['completed', 'cancelled', 'failed', 'stale'];

export interface ExportOptions {
  out?: string;
  format?: ExportFormat;
  model?: OnnxModelChoice;
}

async function pickFormat(dir: string | undefined): Promise<ExportFormat | undefined> {
  const pick = await vscode.window.showQuickPick(
    EXPORT_FORMAT_ITEMS.map((i) => ({ label: i.label, detail: i.detail, format: i.format })),
    { placeHolder: dir ? `Export ${path.basename(dir)}: format` : 'Export format' },
  );
  return pick?.format;
}

async function pickOnnxModel(dir: string): Promise<OnnxModelChoice | undefined> {
  const choices = onnxChoices(dir);
  if (choices.length <= 1) return choices[0] ?? 'encoder';
  const pick = await vscode.window.showQuickPick(
    choices.map((c) => ({ ...ONNX_MODEL_LABELS[c], model: c })),
    { placeHolder: `${path.basename(dir)}: which model to export as ONNX` },
  );
  return pick?.model;
}

export async function exportWeights(studio: Studio, node?: RunArg, opts: ExportOptions = {}): Promise<ExportOutcome | undefined> {
  const format = opts.format ?? (await pickFormat(runDirOf(node)));
  if (!format) return undefined;
  const runs = () => {
    const all = studio.tree.refresh();
    if (format === 'safetensors') return evaluableRuns(all);
    return all.filter((r) => ENDED.includes(r.shownStatus) && onnxChoices(r.dir).length > 0);
  };
  const dir = await pickRun(
    runs,
    node,
    () => true,
    format === 'onnx' ? 'Run whose model to export as ONNX' : 'Run whose encoder to export',
  );
  if (!dir) return undefined;
  const model = format === 'onnx' ? (opts.model ?? (await pickOnnxModel(dir))) : undefined;
  if (format === 'onnx' && !model) return undefined;
  let file = opts.out;
  if (!file) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultExportFile(dir, format, model)),
      filters: format === 'onnx' ? { ONNX: ['onnx'] } : { safetensors: ['safetensors'] },
      saveLabel: 'Export',
    });
    if (!uri) return undefined;
    file = uri.fsPath;
  }
  const refused = studio.trust.refusal();
  if (refused) return { ok: false, reason: refused };
  const rt = await studio.runtime.get();
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MedSSL: exporting ${path.basename(dir)} (${format})…` },
    () => runCli(rt, studio.runtime.cliPath, exportArgs(dir, file, format, model), { cwd: path.dirname(dir) }),
  );
  const outcome = exportOutcome(r.code, r.stdout, r.stderr);
  studio.output.appendLine(
    `medssl export ${dir} --format ${format} (exit ${r.code})${outcome.ok ? `: ${outcome.file}` : `: ${outcome.reason}`}`,
  );
  if (!outcome.ok) {
    void vscode.window.showErrorMessage(`MedSSL: Export Weights failed — ${outcome.reason}`);
    return outcome;
  }
  const size = `${(outcome.bytes / 1e6).toFixed(1)} MB`;
  const what = outcome.loader
    ? `${path.basename(outcome.file)} (${size}) and load_in_pytorch.py`
    : `${path.basename(outcome.file)} (${size}, ${outcome.model})`;
  const snippet = outcome.loader ? pythonSnippet(outcome.loader) : onnxSnippet(outcome.file, outcome.model ?? 'encoder');
  void vscode.window.showInformationMessage(`MedSSL: exported ${what}`, 'Reveal', 'Copy Python').then((a) => {
    if (a === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outcome.file));
    if (a === 'Copy Python') void vscode.env.clipboard.writeText(snippet);
  });
  return outcome;
}
