/**
 * Runs inside the extension host of a real VS Code (code-server): New Experiment, Train to completion and
 * the Runs tree, Stop → cancelled, config diagnostics with exact ranges + quick fix, Workspace Trust.
 * Jobs are tiny phantom runs (a few seconds each) in the test workspace's runs/ folder.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateConfigText } from '../../src/core/config';
import { readRun } from '../../src/core/runs';
import type { Job } from '../../src/extension/jobs/jobManager';
import type { RunsNode } from '../../src/extension/runs/runsTree';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { tinyConfig, waitFor } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';

describe('MedSSL Studio: jobs, runs view, config authoring', function () {
  let studio: Studio;
  let ws: string;

  before(async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio; activationMs: number }>(EXTENSION_ID);
    assert.ok(ext);
    const api = await ext.activate();
    studio = api.studio;
    console.log(`      activation: ${api.activationMs} ms`);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder');
    ws = folder.uri.fsPath;
  });

  it('activates with the job and config commands, and the Runs view', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of [
      'medssl.train',
      'medssl.validateConfig',
      'medssl.newExperiment',
      'medssl.stopRun',
      'medssl.resumeRun',
      'medssl.revealRun',
      'medssl.deleteRun',
      'medssl.evaluateCheckpoint',
      'medssl.compareRuns',
      'medssl.openCurves',
      'medssl.openCollapse',
      'medssl.openOverlays',
    ]) {
      assert.ok(commands.includes(c), `command ${c} is not registered`);
    }
    await vscode.commands.executeCommand('workbench.view.extension.medssl');
  });

  it('New Experiment (smoke template) writes a config that validates', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('medssl.newExperiment', { template: 'smoke', name: 'itest-new' });
    assert.ok(uri, 'no config written');
    assert.equal(path.basename(uri.fsPath), 'itest-new.medssl.yaml');
    const text = fs.readFileSync(uri.fsPath, 'utf8');
    assert.match(text, /^name: itest-new$/m);
    const v = validateConfigText(text, { file: uri.fsPath });
    assert.equal(v.ok, true, v.problems.map((p) => p.message).join('; '));
    const r = await vscode.commands.executeCommand<{ ok: boolean; errors: number }>('medssl.validateConfig', uri);
    assert.deepEqual([r?.ok, r?.errors], [true, 0]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Train runs a config to completion and the Runs tree shows it completed', async function () {
    this.timeout(120_000);
    const file = path.join(ws, 'itest-train.medssl.yaml');
    fs.writeFileSync(file, tinyConfig('itest-train', 2));
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
    assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
    const job: Job = await res.done;
    assert.equal(job.result, 'completed', `job ended ${job.result}: ${job.error}`);
    const dir = job.runDirs[0];
    assert.ok(dir && dir.startsWith(path.join(ws, 'runs')), `run folder ${dir} is not under the workspace's runs/`);
    assert.equal(readRun(dir).status, 'completed');

    studio.refresh();
    const groups = studio.tree.getChildren();
    const group = groups.find((g) => g.kind === 'group' && g.name === 'itest-train');
    assert.ok(group, `no group itest-train in ${groups.map((g) => (g.kind === 'group' ? g.name : '?')).join(', ')}`);
    const runs = studio.tree.getChildren(group) as RunsNode[];
    const node = runs.find((n) => n.kind === 'run' && n.summary.dir === dir);
    assert.ok(node);
    const item = studio.tree.getTreeItem(node);
    assert.match(String(item.description), /^(Dice|loss) \d/);
    assert.equal(item.contextValue, 'run.completed');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /backend: \S+ — /);
    assert.match(tooltip, /ended: .*\(\d+:\d\d\)/);

    // The run's panels open from the Runs view's commands, on the real run folder.
    // Collapse last: a hidden webview is not rendered, and the screenshot below reads the visible one.
    for (const [command, title] of [
      ['medssl.openCurves', 'MedSSL Curves'],
      ['medssl.openOverlays', 'MedSSL Overlays'],
      ['medssl.openCollapse', 'MedSSL Collapse'],
    ]) {
      const panel = await vscode.commands.executeCommand<{ panel: vscode.WebviewPanel } | undefined>(command, dir);
      assert.ok(panel, `${command} opened nothing`);
      assert.equal(panel.panel.title, `${title}: ${path.basename(dir)}`);
    }
    if (screenshotsAvailable()) {
      const shot = await requestScreenshot('integration-run-panels', { waitForWebviewSelector: '[data-testid^="card-"]' });
      assert.ok(shot?.webviewText, 'the driver found no collapse panel text');
      assert.match(shot.webviewText, /dimensions hold 99% of the variance/);
    }
    // Selecting the run in the Runs view makes the side view follow it.
    await studio.runsView.reveal(node, { select: true, focus: true });
    if (screenshotsAvailable()) {
      const side = await requestScreenshot('integration-run-side-view', {
        waitForWebviewSelector: '[data-testid="name"]',
        screenshot: false,
      });
      assert.ok(side?.webviewText?.includes('itest-train'), `side view text: ${side?.webviewText?.slice(0, 200)}`);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Stop on a running job leaves run.json cancelled', async function () {
    this.timeout(120_000);
    const file = path.join(ws, 'itest-stop.medssl.yaml');
    fs.writeFileSync(file, tinyConfig('itest-stop', 400));
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
    assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
    const job = res.job;
    await waitFor(
      'the job to report training progress',
      () => (job.progress && job.progress.step >= 1 ? true : job.state === 'finished' ? 'finished' : undefined),
      60_000,
    );
    assert.equal(job.state, 'running', `the job ended before Stop: ${job.result}`);
    const dir = job.runDirs[0];
    assert.equal(readRun(dir).status, 'running');
    const stopped = await vscode.commands.executeCommand<boolean>('medssl.stopRun', dir);
    assert.equal(stopped, true);
    const done = await res.done;
    assert.equal(done.result, 'cancelled');
    assert.equal(readRun(dir).status, 'cancelled');
    assert.ok(fs.existsSync(path.join(dir, 'checkpoints')), 'no checkpoint saved on SIGTERM');
    const item = studio.tree.getTreeItem({ kind: 'run', summary: studio.refresh().find((r) => r.dir === dir)! });
    assert.equal(item.contextValue, 'run.cancelled');
  });

  it('Resume Run continues a cancelled run in the same folder; Delete Run removes a run folder', async function () {
    this.timeout(120_000);
    const cancelled = studio.refresh().find((r) => r.run?.name === 'itest-stop' && r.shownStatus === 'cancelled');
    assert.ok(cancelled, 'no cancelled itest-stop run from the Stop test');
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.resumeRun', cancelled.dir);
    assert.ok(res?.job && res.done, `Resume refused: ${res?.refused}`);
    const job = res.job;
    await waitFor(
      'the resumed job to run',
      () => (job.runDirs.length && readRun(cancelled.dir).status === 'running' ? true : job.state === 'finished' ? 'finished' : undefined),
      60_000,
    );
    assert.deepEqual(job.runDirs, [cancelled.dir], 'resume wrote somewhere else');
    await vscode.commands.executeCommand('medssl.stopRun', cancelled.dir);
    assert.equal((await res.done).result, 'cancelled');
    const events = fs.readFileSync(path.join(cancelled.dir, 'events.jsonl'), 'utf8');
    assert.match(events, /resumed from checkpoint/);

    const completed = studio.refresh().find((r) => r.run?.name === 'itest-train');
    assert.ok(completed);
    assert.equal(await vscode.commands.executeCommand<boolean>('medssl.deleteRun', completed.dir, { confirm: false }), true);
    assert.equal(fs.existsSync(completed.dir), false);
    assert.equal(
      studio.refresh().some((r) => r.dir === completed.dir),
      false,
    );
    // Train it again so the tree screenshot shows a completed run too.
    const again = await vscode.commands.executeCommand<TrainResult>(
      'medssl.train',
      vscode.Uri.file(path.join(ws, 'itest-train.medssl.yaml')),
    );
    assert.equal((await again.done!).result, 'completed');
  });

  it('a run started outside VS Code (a terminal) shows up running, is followed, and Stop ends it cancelled', async function () {
    this.timeout(120_000);
    const file = path.join(ws, 'itest-terminal.medssl.yaml');
    fs.writeFileSync(file, tinyConfig('itest-terminal', 400));
    const repo = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const child = spawn(
      process.env.MEDSSL_TEST_NODE || 'node',
      [path.join(repo, 'dist', 'cli.js'), 'run', file, '--runs-dir', path.join(ws, 'runs')],
      {
        cwd: ws,
        stdio: 'ignore',
        detached: true,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const summary = await waitFor(
        'the terminal run in the Runs view, running with progress',
        () =>
          studio
            .refresh()
            .find((r) => r.run?.name === 'itest-terminal' && r.shownStatus === 'running' && r.progress && r.progress.step >= 1),
        60_000,
      );
      const jobs = await vscode.commands.executeCommand<{ attached: boolean; runDirs: string[]; state: string }[]>('medssl.test.jobs');
      assert.ok(
        jobs.some((j) => j.attached && j.state === 'running' && j.runDirs.includes(summary.dir)),
        'the extension does not follow the terminal run',
      );
      const item = studio.tree.getTreeItem({ kind: 'run', summary });
      assert.match(String(item.description), /^\d+\/\d+ · ETA \d/);
      assert.equal(item.contextValue, 'run.running');
      if (screenshotsAvailable()) {
        // The tree with a completed, a cancelled and a running run (the status bar shows the followed job).
        await vscode.commands.executeCommand('workbench.view.extension.medssl');
        studio.refresh();
        await new Promise((r) => setTimeout(r, 1200));
        const shot = await requestScreenshot('integration-runs-tree');
        assert.ok(shot?.png && fs.existsSync(shot.png));
      }
      assert.equal(await vscode.commands.executeCommand<boolean>('medssl.stopRun', summary.dir), true);
      await exited;
      await waitFor('run.json cancelled', () => readRun(summary.dir).status === 'cancelled', 30_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a config with an error shows a diagnostic with the right range and a "did you mean" quick fix', async function () {
    this.timeout(60_000);
    const file = path.join(ws, 'itest-bad.medssl.yaml');
    const text = 'name: itest-bad\npretrain:\n  epocs: 2\n  batchSize: 8\n';
    fs.writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor('a medssl diagnostic', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'medssl');
      return d.length ? d : undefined;
    });
    assert.equal(diags.length, 1, diags.map((d) => d.message).join('; '));
    const d = diags[0];
    const at = text.indexOf('epocs');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [2, 2, 2, 7]);
    assert.equal(doc.offsetAt(d.range.start), at);
    assert.match(d.message, /did you mean 'epochs'/);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(3, 4));
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(hoverText, /pretrain\.batchSize/);

    if (screenshotsAvailable()) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await new Promise((r) => setTimeout(r, 1500));
      const shot = await requestScreenshot('integration-problems-panel');
      assert.ok(shot?.png && fs.existsSync(shot.png));
    }

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const fix = actions.find((a) => a.title === "Change 'epocs' to 'epochs'");
    assert.ok(fix?.edit, `no quick fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.getText(), /^ {2}epochs: 2$/m);
    await waitFor(
      'the diagnostic to clear after the fix',
      () => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'medssl').length === 0,
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('in an untrusted workspace Train refuses and says why; validation still works', async function () {
    // code-server runs with --disable-workspace-trust (every workspace is trusted), so the extension's test
    // hook makes the guard see an untrusted workspace; jobBlockedReason is unit-tested on its own.
    const file = path.join(ws, 'itest-untrusted.medssl.yaml');
    fs.writeFileSync(file, tinyConfig('itest-untrusted', 1));
    const before = fs.readdirSync(path.join(ws, 'runs')).length;
    await vscode.commands.executeCommand('medssl.test.simulateUntrusted', true);
    try {
      const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
      assert.ok(res?.refused, 'Train started a job in an untrusted workspace');
      assert.equal(res.job, undefined);
      assert.match(res.refused, /untrusted workspace/);
      const v = await vscode.commands.executeCommand<{ ok: boolean }>('medssl.validateConfig', vscode.Uri.file(file));
      assert.equal(v?.ok, true);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(fs.readdirSync(path.join(ws, 'runs')).length, before, 'a run folder appeared');
    } finally {
      await vscode.commands.executeCommand('medssl.test.simulateUntrusted', false);
    }
  });
});
