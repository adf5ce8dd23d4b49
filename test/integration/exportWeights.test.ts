/**
 * Runs inside the extension host of a real VS Code (code-server): MedSSL: Export Weights… on a trained
 * run (pretraining + linear evaluation, seconds) — the format quick pick (ONNX clicked with the mouse),
 * the ONNX model quick pick (linear model or encoder; the first row accepted), then the worker writes the
 * file. Screenshots of both picks. Skipped without the screenshot driver (it is what sees a quick pick).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportOutcome } from '../../src/extension/commands/exportResult';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { tinyConfig } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';
const VISIBLE_QUICK_PICK = '.quick-input-widget:not([style*="display: none"])';
let probes = 0;

async function waitForQuickPick(placeholder: string, screenshot: string): Promise<string> {
  const answer = await requestScreenshot(screenshot, {
    waitForWebviewSelector: `${VISIBLE_QUICK_PICK} input[placeholder=${JSON.stringify(placeholder)}]`,
    screenshot: true,
    timeoutMs: 30_000,
  });
  return answer?.webviewText ?? '';
}

describe('MedSSL Studio: Export Weights… (safetensors or ONNX)', function () {
  let run = '';

  before(async function () {
    if (!screenshotsAvailable()) this.skip();
    this.timeout(240_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio }>(EXTENSION_ID);
    assert.ok(ext);
    const studio = (await ext.activate()).studio;
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(ws, 'itest-export.medssl.yaml');
    fs.writeFileSync(file, tinyConfig('itest-export', 1));
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
    assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
    const job = await res.done;
    assert.equal(job.result, 'completed', `itest-export ended ${job.result}: ${job.error}`);
    run = job.runDirs[0];
    studio.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  });

  it('Export Weights on a run: the format quick pick (ONNX clicked), the model quick pick, then the ONNX file', async function () {
    this.timeout(180_000);
    const name = path.basename(run);
    const out = path.join(run, 'export', 'itest.onnx');
    const pending = vscode.commands.executeCommand<ExportOutcome>('medssl.exportWeights', run, { out });

    const formats = await waitForQuickPick(`Export ${name}: format`, 'integration-quickpick-export-format');
    assert.match(formats, /safetensors \(PyTorch\)/);
    assert.match(formats, /ONNX \(onnxruntime, 3D Slicer, OHIF\)/);
    await requestScreenshot(`export-probe-${++probes}`, {
      clickInWebview: `${VISIBLE_QUICK_PICK} .monaco-list-row[aria-label^="ONNX"]`,
      screenshot: false,
    });

    // The run saved a linear-evaluation model and has a checkpoint: two ONNX models to choose from.
    const models = await waitForQuickPick(`${name}: which model to export as ONNX`, 'integration-quickpick-export-onnx-model');
    assert.match(models, /Linear-evaluation segmentation model/);
    assert.match(models, /Encoder alone/);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');

    const outcome = await pending;
    assert.ok(outcome?.ok, `export failed: ${outcome && !outcome.ok ? outcome.reason : 'no outcome'}`);
    assert.equal(outcome.format, 'onnx');
    assert.equal(outcome.model, 'linear');
    assert.equal(outcome.file, out);
    assert.equal(fs.statSync(out).size, outcome.bytes);
  });
});
