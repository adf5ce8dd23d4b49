/**
 * MedSSL: New Experiment — a *.medssl.yaml from a template (examples/), or for the user's own NIfTI
 * dataset a default config pointing at the folder, with `medssl inspect`'s findings in its header.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_NAME_PATTERN, defaultConfig, stringifyConfig } from '../../core/config';
import { runCli } from '../worker/runCli';
import { summarizeInspect } from '../worker/inspectSummary';
import type { WorkerRuntime } from '../worker/workerRuntime';

export const TEMPLATES = [
  {
    id: 'smoke',
    label: 'Smoke test',
    detail: 'The full method on the built-in phantom with a tiny ResNet-18: finishes in about a minute on a CPU.',
    file: 'smoke.medssl.yaml',
  },
  {
    id: 'phantom-demo',
    label: 'Phantom demo',
    detail: 'Pretraining and linear evaluation on the built-in abdominal phantom.',
    file: 'phantom-demo.medssl.yaml',
  },
  {
    id: 'ablation',
    label: 'Ablation',
    detail: 'MoCo v2 vs + local loss vs + whitening: one run per variant, then a table.',
    file: 'ablation.medssl.yaml',
  },
  {
    id: 'nifti',
    label: 'My NIfTI dataset…',
    detail: 'Pick a dataset folder; `medssl inspect` checks it and the config points at it.',
    file: undefined,
  },
] as const;

/** Arguments tests pass instead of answering the quick pick, input box and folder dialog. */
export interface NewExperimentOptions {
  template?: string;
  name?: string;
  folder?: string;
  dataFolder?: string;
  open?: boolean;
}

export interface NewExperimentHost {
  extensionPath: string;
  runtime: WorkerRuntime;
  output: vscode.OutputChannel;
}

export async function newExperiment(host: NewExperimentHost, opts: NewExperimentOptions = {}): Promise<vscode.Uri | undefined> {
  const tpl = opts.template
    ? TEMPLATES.find((t) => t.id === opts.template)
    : await vscode.window.showQuickPick(
        TEMPLATES.map((t) => ({ ...t, label: t.label, detail: t.detail })),
        { placeHolder: 'Template for the new experiment' },
      );
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
    text = fs.readFileSync(path.join(host.extensionPath, 'examples', tpl.file), 'utf8');
    text = /^name:.*$/m.test(text) ? text.replace(/^name:.*$/m, `name: ${name}`) : `name: ${name}\n${text}`;
  } else {
    let data = opts.dataFolder;
    if (!data) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Use this dataset',
        title: 'MedSSL: the NIfTI dataset folder (MSD, nnU-Net, or images/ + labels/)',
      });
      data = picked?.[0]?.fsPath;
    }
    if (!data) return undefined;
    const report = await inspect(host, data);
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
async function inspect(host: NewExperimentHost, dataFolder: string): Promise<string | undefined> {
  const { output } = host;
  let rt;
  try {
    rt = await host.runtime.get();
  } catch (e) {
    return `medssl inspect not run: ${(e as Error).message}`;
  }
  const ac = new AbortController();
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MedSSL: inspecting ${path.basename(dataFolder)}…`, cancellable: true },
    (_p, token) => {
      token.onCancellationRequested(() => ac.abort());
      return runCli(rt, host.runtime.cliPath, ['inspect', dataFolder, '--json'], { signal: ac.signal });
    },
  );
  if (ac.signal.aborted) {
    output.appendLine(`medssl inspect ${dataFolder}: cancelled`);
    return undefined;
  }
  output.appendLine(`medssl inspect ${dataFolder} (exit ${r.code})`);
  const summary = summarizeInspect(dataFolder, r.stdout, r.stderr);
  if (!summary.ok) {
    output.appendLine(r.stderr);
    void vscode.window.showWarningMessage(`MedSSL: medssl inspect could not read ${dataFolder}: ${summary.reason}`);
    return `inspect failed: ${summary.reason}`;
  }
  output.appendLine(summary.line);
  if (summary.problems) {
    output.appendLine(r.stdout);
    void vscode.window
      .showWarningMessage(`MedSSL: ${summary.problems} problem(s) in ${dataFolder}; see the MedSSL output.`, 'Show')
      .then((a) => a && output.show());
  }
  return summary.line;
}
