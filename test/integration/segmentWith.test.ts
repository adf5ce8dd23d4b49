/**
 * Runs inside the extension host of a real VS Code (code-server): MedSSL: Segment with… on a NIfTI file.
 * A tiny phantom run that fine-tunes (so that it saves models/finetune/) is trained in the test workspace;
 * the command is run on a phantom volume written as .nii.gz with no argument but the file, as the explorer
 * context menu calls it: the run is chosen in its quick pick (accepted with the workbench's own command),
 * `medssl predict` runs in a worker, and the Overlays panel opens on the result with no ground truth.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodeNifti, readNiftiFile } from '../../src/core/data/nifti';
import { generatePhantomCase } from '../../src/core/data/phantom/generate';
import type { SegmentOutcome } from '../../src/extension/commands/segmentResult';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { tinyConfig } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';
const VISIBLE_QUICK_PICK = '.quick-input-widget:not([style*="display: none"])';

describe('MedSSL Studio: Segment with… on a NIfTI file', function () {
  let runDir = '';
  let ws = '';

  before(async function () {
    this.timeout(300_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio }>(EXTENSION_ID);
    assert.ok(ext);
    const studio = (await ext.activate()).studio;
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const name = 'itest-segment';
    const file = path.join(ws, `${name}.medssl.yaml`);
    fs.writeFileSync(
      file,
      `${tinyConfig(name, 1)}evaluation:\n  linear: { enabled: false }\n  finetune: { enabled: true, epochs: 2, batchSize: 4 }\n`,
    );
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
    assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
    const job = await res.done;
    assert.equal(job.result, 'completed', `${name} ended ${job.result}: ${job.error}`);
    runDir = job.runDirs.find((d) => fs.existsSync(path.join(d, 'models', 'finetune', 'model.json'))) ?? '';
    assert.ok(runDir, `no run folder with models/finetune/ among ${job.runDirs.join(', ')}`);
    studio.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('segments the volume into a label map on its grid and shows the prediction in the Overlays panel', async function () {
    this.timeout(180_000);
    // a phantom case on the grid the run's data used (64² in-plane, 8 slices), stored LPS like a scanner's file
    const pc = generatePhantomCase(3, { seed: 0, shape: [64, 64, 8] });
    const input = path.join(ws, 'itest-ct.nii.gz');
    fs.writeFileSync(input, encodeNifti(pc.image, { datatype: 'int16' }));

    const pending = vscode.commands.executeCommand<SegmentOutcome>(
      'medssl.segmentWith',
      vscode.Uri.file(input),
      screenshotsAvailable() ? {} : { run: runDir },
    );
    if (screenshotsAvailable()) {
      const pick = await requestScreenshot('integration-segment-with-pick', {
        waitForWebviewSelector: `${VISIBLE_QUICK_PICK} input[placeholder="A run with a saved segmentation model"]`,
        timeoutMs: 30_000,
      });
      assert.match(pick?.webviewText ?? '', /itest-segment/);
      assert.match(pick?.webviewText ?? '', /finetune · Dice \d\.\d{3}/);
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const outcome = await pending;
    assert.ok(outcome?.ok, `Segment with… failed: ${outcome?.reason}`);
    assert.equal(outcome.outputs!.length, 1);
    const out = await readNiftiFile(outcome.outputs![0], { reorient: false });
    const img = await readNiftiFile(input, { reorient: false });
    assert.deepEqual(out.shape, img.shape, 'the label map has the input grid');
    assert.deepEqual(out.header.srow, img.header.srow, 'and its sform');
    assert.ok(
      out.data.some((v) => v > 0),
      'something was segmented',
    );
    assert.ok(outcome.overlays && fs.existsSync(path.join(outcome.overlays, 'index.json')));

    if (screenshotsAvailable()) {
      const shot = await requestScreenshot('integration-segment-with-overlays', {
        waitForWebviewSelector: '[data-testid="no-truth"]',
        timeoutMs: 30_000,
      });
      const text = shot?.webviewText ?? '';
      assert.match(text, /No ground truth/);
      assert.match(text, /finetune prediction/);
      assert.doesNotMatch(text, /Dice case/);
      assert.ok(shot?.png && fs.existsSync(shot.png), 'screenshot saved');
      console.log(`      screenshot: ${shot?.png}`);
    }
  });
});
