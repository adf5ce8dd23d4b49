/**
 * Runs inside the extension host of a real VS Code (code-server): the MedSSL side view follows the running
 * run when a job starts, a selection in the Runs view wins over it, and the view shows the stage the run
 * is in. Jobs are tiny phantom runs in the test workspace's runs/ folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunsNode } from '../../src/extension/runs/runsTree';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { tinyConfig, waitFor } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';
const followed = () => vscode.commands.executeCommand<string | undefined>('medssl.test.followedRun');

describe('MedSSL Studio: the side view follows the running run', function () {
  let studio: Studio;
  let ws: string;

  before(async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio }>(EXTENSION_ID);
    assert.ok(ext);
    studio = (await ext.activate()).studio;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder');
    ws = folder.uri.fsPath;
    // The side view exists once its container is shown.
    await vscode.commands.executeCommand('workbench.view.extension.medssl');
  });

  async function train(name: string, epochs: number): Promise<Required<Pick<TrainResult, 'job' | 'done'>>> {
    const file = path.join(ws, `${name}.medssl.yaml`);
    fs.writeFileSync(file, tinyConfig(name, epochs));
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
    assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
    return { job: res.job, done: res.done };
  }

  function runNode(name: string, dir: string): RunsNode {
    studio.refresh();
    const group = studio.tree.getChildren().find((g) => g.kind === 'group' && g.name === name);
    assert.ok(group, `no group ${name} in the Runs view`);
    const node = (studio.tree.getChildren(group) as RunsNode[]).find((n) => n.kind === 'run' && n.summary.dir === dir);
    assert.ok(node, `no run ${dir} in group ${name}`);
    return node;
  }

  it('a job starting is followed; selecting another run wins; the job ending keeps the selection', async function () {
    this.timeout(240_000);
    const first = await train('itest-follow-done', 1);
    const done = await first.done;
    assert.equal(done.result, 'completed', `job ended ${done.result}: ${done.error}`);
    const doneDir = done.runDirs[0];

    const second = await train('itest-follow-live', 400);
    const job = second.job;
    let stopAnswer: boolean | undefined;
    try {
      await followLiveThenSelection(job, doneDir);
    } finally {
      // Stopped even when an assertion above failed: a 400-epoch job left running starves every later test.
      if (job.state === 'running')
        stopAnswer = await vscode.commands.executeCommand<boolean>('medssl.stopRun', job.runDirs[job.runDirs.length - 1]);
    }
    assert.equal(stopAnswer, true, 'Stop Run on the live run');
    const stopped = await second.done;
    assert.equal(stopped.result, 'cancelled');
    assert.equal(await followed(), doneDir, 'the selection stays when the job ends');
  });

  async function followLiveThenSelection(job: Required<TrainResult>['job'], doneDir: string): Promise<void> {
    await waitFor(
      'the job to report training progress',
      () => (job.progress && job.progress.step >= 1 ? true : job.state === 'finished' ? 'finished' : undefined),
      90_000,
    );
    assert.equal(job.state, 'running', `the job ended early: ${job.result}`);
    const liveDir = job.runDirs[job.runDirs.length - 1];
    assert.equal(
      await waitFor('the side view to follow the running run', async () => ((await followed()) === liveDir ? liveDir : undefined), 10_000),
      liveDir,
    );
    if (screenshotsAvailable()) {
      await vscode.commands.executeCommand('workbench.view.extension.medssl');
      const side = await requestScreenshot('integration-side-view-running', { waitForWebviewSelector: '[data-testid="stage"]' });
      const text = side?.webviewText ?? '';
      assert.ok(text.includes('itest-follow-live'), `side view text: ${text.slice(0, 300)}`);
      assert.match(text, /pretraining/);
      assert.match(text, /step \d+ of \d+/);
    }

    // The user selects the finished run: it is shown although a job runs.
    await studio.runsView.reveal(runNode('itest-follow-done', doneDir), { select: true, focus: true });
    // The selection travels renderer → extension host; with a training job on both cores that can take a while.
    assert.equal(
      await waitFor('the side view to follow the selection', async () => ((await followed()) === doneDir ? doneDir : undefined), 30_000),
      doneDir,
    );
  }
});
