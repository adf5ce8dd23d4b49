/**
 * Runs inside the extension host of a real VS Code (code-server via scripts/test-integration.mjs, or
 * desktop VS Code via runElectron.ts): activation, MedSSL: Check Environment, the Environment panel.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { EnvReport } from '../../src/core/backend/types';
import { BACKEND_ORDER } from '../../src/core/backend/types';
import { waitFor } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';
const ENVIRONMENT_VIEW_TYPE = 'medssl.environment';

function environmentTab(): vscode.Tab | undefined {
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) {
      // The API reports webview view types with a 'mainThreadWebview-' prefix.
      if (t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(ENVIRONMENT_VIEW_TYPE)) return t;
    }
  }
  return undefined;
}

describe('MedSSL Studio in VS Code', function () {
  let report: EnvReport | undefined;

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (extensionDevelopmentPath wrong?)`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['medssl.checkEnvironment', 'medssl.openEnvironmentPanel'])
      assert.ok(commands.includes(c), `command ${c} is not registered`);
  });

  it('MedSSL: Check Environment returns the report of a real Node', async function () {
    this.timeout(120_000);
    report = await vscode.commands.executeCommand<EnvReport | undefined>('medssl.checkEnvironment');
    assert.ok(report, 'medssl.checkEnvironment returned nothing (see the MedSSL output channel)');

    const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(report.node.version);
    assert.ok(m, `node.version '${report.node.version}' is not a Node version`);
    assert.ok(Number(m[1]) >= 18, `the worker runs Node ${report.node.version}; MedSSL needs 18 or newer`);
    // The worker really is that Node: ask the executable it reports.
    const env = report.node.electronAsNode ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
    const actual = execFileSync(report.node.execPath, ['--version'], { env, encoding: 'utf8' }).trim();
    assert.equal(actual.replace(/^v/, ''), report.node.version.replace(/^v/, ''), `${report.node.execPath} --version`);

    assert.deepEqual(
      report.backends.map((b) => b.name),
      [...BACKEND_ORDER],
      'every backend is probed, in the auto order',
    );
    const byName = new Map(report.backends.map((b) => [b.name, b]));
    assert.equal(byName.get('wasm')?.available, true, `wasm unavailable: ${byName.get('wasm')?.reason}`);
    const gpu = byName.get('tfjs-node-gpu');
    assert.equal(gpu?.available, false, 'tfjs-node-gpu is available on a machine without a GPU?');
    assert.ok(gpu.reason.trim().length > 0, 'tfjs-node-gpu is unavailable without a reason');
    assert.ok(report.gpuAnswer.trim().length > 0, 'gpuAnswer is empty');
  });

  it('opens the Environment panel showing the report', async function () {
    this.timeout(90_000);
    assert.ok(report, 'no report from the previous test');
    // Check Environment opens the panel; the panel command is the other way in.
    if (!environmentTab()) await vscode.commands.executeCommand('medssl.openEnvironmentPanel');
    const tab = await waitFor('the Environment panel tab', environmentTab);
    assert.equal(tab.label, 'MedSSL: Environment');

    if (!screenshotsAvailable()) return; // desktop VS Code: no driver to capture with
    const shot = await requestScreenshot('integration-environment-panel', {
      waitForWebviewSelector: '[data-testid="gpu-answer"]',
      timeoutMs: 30_000,
    });
    assert.ok(shot?.webviewText, 'the driver found no webview text');
    assert.ok(shot.webviewText.includes('Will this use my GPU?'), `panel text: ${shot.webviewText.slice(0, 300)}`);
    assert.ok(shot.webviewText.includes(report.gpuAnswer), 'the panel does not show the gpuAnswer that the command returned');
    for (const b of report.backends) assert.ok(shot.webviewText.includes(b.name), `backend ${b.name} not shown`);
    if (process.env.MEDSSL_DAWN_BACKEND === 'opengles') {
      // The test server runs Dawn on Mesa llvmpipe: the panel names that adapter as software, and auto skipped it.
      assert.equal(report.webgpu.adapter?.software, true, `webgpu: ${JSON.stringify(report.webgpu)}`);
      assert.ok(shot.webviewText.includes('Software adapter'), `panel text: ${shot.webviewText.slice(0, 600)}`);
      assert.notEqual(report.auto.backend, 'webgpu');
    }
  });

  it('Re-check in the panel runs the check again and shows the new report', async function () {
    this.timeout(90_000);
    if (!screenshotsAvailable()) this.skip(); // clicking needs the browser driver
    const checked = '[data-testid="checked"]';
    const before = await requestScreenshot('integration-environment-before-recheck', {
      waitForWebviewSelector: checked,
      screenshot: false,
    });
    const t0 = Number(before?.attributes?.['data-checked-at']);
    assert.ok(t0 > 0, `no check time shown: ${JSON.stringify(before?.attributes)}`);
    // webview → host {type:'recheck'} → worker `medssl env --json` → host → webview {type:'env'}
    await requestScreenshot('integration-environment-recheck-click', { clickInWebview: '[data-testid="recheck"]', screenshot: false });
    const after = await waitFor(
      'a newer report in the panel',
      async () => {
        const a = await requestScreenshot('integration-environment-recheck-poll', { waitForWebviewSelector: checked, screenshot: false });
        return Number(a?.attributes?.['data-checked-at']) > t0 ? a : undefined;
      },
      60_000,
    );
    assert.ok(after.webviewText?.includes('Re-check'), 'the button is back to Re-check');
    assert.ok(report && after.webviewText?.includes(report.gpuAnswer.slice(0, 20)));
  });
});
