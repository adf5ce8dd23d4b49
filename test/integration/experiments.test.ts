/**
 * Runs inside the extension host of a real VS Code (code-server): Evaluate Checkpoint (linear and
 * fine-tuning jobs writing new run folders that the Runs view shows under their source's config),
 * Compare Runs (Curves and Collapse panels on several runs), and New Experiment's "my NIfTI dataset"
 * template on a real MSD-layout NIfTI folder (and on bad folders).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse as parseYaml } from 'yaml';
import { validateConfigText } from '../../src/core/config';
import { writePhantomMsd } from '../../src/core/data/phantom/msd';
import { readRun } from '../../src/core/runs';
import type { RunsNode } from '../../src/extension/runs/runsTree';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { copySeedRuns, tinyConfig, waitFor } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';

type EvalRun = ReturnType<typeof readRun> & { source?: { runId: string; dir: string; checkpoint: string } };

describe('MedSSL Studio: Evaluate Checkpoint, Compare Runs, the NIfTI dataset template', function () {
  let studio: Studio;
  let ws: string;
  /** Two completed pretraining runs (trained once for the suite). */
  const trained: string[] = [];
  let activationMs = Number.NaN;

  before(async function () {
    this.timeout(240_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio; activationMs: number }>(EXTENSION_ID);
    assert.ok(ext);
    const api = await ext.activate();
    studio = api.studio;
    activationMs = api.activationMs;
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    for (const name of ['itest-eval-a', 'itest-eval-b']) {
      const file = path.join(ws, `${name}.medssl.yaml`);
      // b: the same with whitening, so the comparison has something to show.
      const text = tinyConfig(name, 2);
      fs.writeFileSync(
        file,
        name.endsWith('-b') ? text.replace('whitening: { enabled: false }', 'whitening: { enabled: true, groupSize: 16 }') : text,
      );
      const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
      assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
      const job = await res.done;
      assert.equal(job.result, 'completed', `${name} ended ${job.result}: ${job.error}`);
      trained.push(job.runDirs[0]);
    }
  });

  it('activation time (measured by the extension, printed here)', function () {
    assert.ok(Number.isFinite(activationMs) && activationMs >= 0, `activationMs ${activationMs}`);
    this.test!.title = `activation took ${activationMs} ms (activate(): Studio, Runs view, config authoring, panels)`;
  });

  it('registers Evaluate Checkpoint and Compare Runs', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['medssl.evaluateCheckpoint', 'medssl.compareRuns']) assert.ok(commands.includes(c), `command ${c} is not registered`);
  });

  for (const mode of ['linear', 'finetune'] as const) {
    it(`Evaluate Checkpoint (${mode}) runs a job that writes a new ${mode} run folder naming its source; the Runs view shows it under the source's config`, async function () {
      this.timeout(180_000);
      const src = trained[0];
      const res = await vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint', src, { mode });
      assert.ok(res?.job && res.done, `Evaluate refused: ${res?.refused}`);
      assert.deepEqual(res.job.spec.args.slice(0, 4), ['evaluate', src, '--mode', mode], 'the evaluation runs as a medssl evaluate job');
      assert.ok(res.job.pid && res.job.pid !== process.pid, 'the job runs in a child process');
      if (mode === 'finetune' && screenshotsAvailable()) {
        // The cancellable progress notification of the evaluation (looked at, not parsed).
        const j = res.job;
        await waitFor('fine-tuning steps', () => (j.progress && j.progress.step >= 2) || j.state === 'finished', 120_000);
        // (The driven workbench keeps toasts in the notification center: open it for the screenshot.)
        await vscode.commands.executeCommand('notifications.showList');
        await new Promise((r) => setTimeout(r, 500));
        await requestScreenshot('integration-evaluate-progress');
        await vscode.commands.executeCommand('notifications.hideList');
      }
      const job = await res.done;
      assert.equal(job.result, 'completed', `job ended ${job.result}: ${job.error}`);
      const dir = job.runDirs[0];
      assert.ok(
        dir && dir !== src && path.dirname(dir) === path.dirname(src),
        `evaluation folder ${dir} is not a new folder beside ${src}`,
      );
      const run = readRun(dir) as EvalRun;
      assert.equal(run.stage, mode);
      assert.equal(run.status, 'completed');
      assert.equal(run.name, 'itest-eval-a');
      assert.equal(run.source?.runId, readRun(src).id);
      assert.equal(run.source?.dir, src);
      const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<
        string,
        { summary: { meanForeground: number | null } }
      >;
      assert.ok(metrics[mode], `metrics.json has no ${mode} section`);
      assert.ok(fs.existsSync(path.join(dir, 'overlays', mode, 'index.json')), 'no overlays');
      assert.equal(readRun(src).status, 'completed', 'the source run is untouched');

      const summary = studio.refresh().find((r) => r.dir === dir);
      assert.ok(summary, 'the evaluation is not in the Runs view');
      const group = studio.tree.getChildren().find((g) => g.kind === 'group' && g.name === 'itest-eval-a');
      assert.ok(
        group && group.kind === 'group' && group.runs.some((r) => r.dir === dir) && group.runs.some((r) => r.dir === src),
        'not grouped with its source',
      );
      const item = studio.tree.getTreeItem({ kind: 'run', summary });
      assert.match(String(item.label), new RegExp(` ${mode}$`));
      assert.equal(item.contextValue, 'run.completed.eval');
      assert.match(String(item.description), /^Dice \d\.\d{3}$/);
      assert.match((item.tooltip as vscode.MarkdownString).value, new RegExp(`evaluates: run \`${readRun(src).id}\`, checkpoint \\d+`));

      if (mode === 'linear') {
        // The evaluation run opens in the Overlays panel like any run.
        const panel = await vscode.commands.executeCommand<{ panel: vscode.WebviewPanel } | undefined>('medssl.openOverlays', dir);
        assert.equal(panel?.panel.title, `MedSSL Overlays: ${path.basename(dir)}`);
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      }
    });
  }

  it("Evaluate Checkpoint on a folder that is not a run, or a run without a checkpoint, fails with the CLI's message naming the folder", async function () {
    this.timeout(60_000);
    const notRun = path.join(ws, 'not-a-run');
    fs.mkdirSync(notRun, { recursive: true });
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint', notRun, { mode: 'linear' });
    const job = await res.done!;
    assert.equal(job.result, 'failed');
    assert.equal(job.exitCode, 2);
    assert.match(job.error ?? '', /not-a-run.*not a run folder \(no run\.json\)/);

    const noCkpt = path.join(ws, 'runs-nockpt', '20260101T000000Z-x');
    fs.mkdirSync(noCkpt, { recursive: true });
    fs.writeFileSync(
      path.join(noCkpt, 'run.json'),
      JSON.stringify({
        id: '20260101T000000Z-x',
        name: 'x',
        stage: 'pretrain',
        status: 'completed',
        host: 'h',
        started: '2026-01-01T00:00:00.000Z',
        configHash: 'h',
        codeVersion: 'v',
      }),
    );
    fs.copyFileSync(path.join(trained[0], 'config.yaml'), path.join(noCkpt, 'config.yaml'));
    const res2 = await vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint', noCkpt, { mode: 'finetune' });
    const job2 = await res2.done!;
    assert.equal(job2.result, 'failed');
    assert.match(job2.error ?? '', /20260101T000000Z-x: no complete checkpoint/);
    // (.jobs/ holds the job logs; hidden from the Runs view)
    assert.deepEqual(
      fs.readdirSync(path.dirname(noCkpt)).filter((n) => !n.startsWith('.')),
      ['20260101T000000Z-x'],
      'a run folder was created for bad input',
    );
  });

  it('Evaluate Checkpoint refuses in an untrusted workspace', async () => {
    await vscode.commands.executeCommand('medssl.test.simulateUntrusted', true);
    try {
      const res = await vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint', trained[0], { mode: 'linear' });
      assert.equal(res?.job, undefined);
      assert.match(res?.refused ?? '', /untrusted workspace/);
    } finally {
      await vscode.commands.executeCommand('medssl.test.simulateUntrusted', false);
    }
  });

  it('Compare Runs on a Runs view multi-selection opens Curves with every run overlaid and Collapse with the runs that have diagnostics', async function () {
    this.timeout(60_000);
    const runs = studio.refresh();
    const evalRun = runs.find((r) => r.run?.stage === 'linear' && r.run.name === 'itest-eval-a');
    assert.ok(evalRun, 'no linear evaluation run from the test above');
    const nodes: RunsNode[] = [...trained.map((d) => runs.find((r) => r.dir === d)!), evalRun].map((summary) => ({ kind: 'run', summary }));
    // As VS Code calls a view/item/context command on a multi-selection: (clicked node, selected nodes).
    const res = await vscode.commands.executeCommand<{
      dirs: string[];
      curves?: { panel: vscode.WebviewPanel };
      collapse?: { panel: vscode.WebviewPanel };
    }>('medssl.compareRuns', nodes[0], nodes);
    assert.ok(res, 'Compare Runs opened nothing');
    assert.deepEqual(res.dirs, [...trained, evalRun.dir]);
    assert.equal(res.curves?.panel.title, `MedSSL Curves: ${res.dirs.map((d) => path.basename(d)).join(', ')}`);
    assert.equal(
      res.collapse?.panel.title,
      `MedSSL Collapse: ${trained.map((d) => path.basename(d)).join(' vs ')}`,
      'the evaluation run has no diagnostics and is left out',
    );
    if (screenshotsAvailable()) {
      const ids = trained.map((d) => readRun(d).id);
      const shot = await requestScreenshot('integration-compare-collapse', { waitForWebviewSelector: `[data-testid="card-${ids[1]}"]` });
      assert.ok(shot?.webviewText, 'no collapse panel text');
      for (const id of ids)
        assert.ok(shot.webviewText.includes(id) || shot.webviewText.includes('itest-eval-'), `the collapse panel does not show ${id}`);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (screenshotsAvailable()) {
      // The Runs view with the evaluation runs under their source's config (label ends in the stage).
      await vscode.commands.executeCommand('workbench.view.extension.medssl');
      studio.refresh();
      await new Promise((r) => setTimeout(r, 1200));
      const shot = await requestScreenshot('integration-evaluate-tree');
      assert.ok(shot?.png && fs.existsSync(shot.png));
    }
  });

  it("a variant's seeds are one group in the Runs view; Compare Runs on two groups shows each variant once, mean ± sd", async function () {
    this.timeout(60_000);
    // copies of the recorded seeds fixture in the runs folder, removed again at the end
    const copies = copySeedRuns(path.dirname(trained[0]));
    try {
      studio.refresh();
      const groups = studio.tree.getChildren().filter((g) => g.kind === 'group' && g.name.startsWith('seeds-'));
      assert.deepEqual(
        groups.map((g) => (g.kind === 'group' ? [g.name, g.runs.length] : [])),
        [
          ['seeds-method', 3],
          ['seeds-mocov2', 3],
        ],
      );
      const seedRun = studio.tree.getChildren(groups[0])[0];
      assert.match(String(studio.tree.getTreeItem(seedRun).label), / seed [0-2]$/);
      // As VS Code calls a view/item/context command on a multi-selection of the two group nodes
      const res = await vscode.commands.executeCommand<{ dirs: string[]; collapse?: { panel: vscode.WebviewPanel } }>(
        'medssl.compareRuns',
        groups[0],
        groups,
      );
      assert.deepEqual([...(res?.dirs ?? [])].sort(), copies);
      assert.ok(res.collapse, 'no Collapse panel');
      if (screenshotsAvailable()) {
        await vscode.commands.executeCommand('workbench.view.extension.medssl');
        const shot = await requestScreenshot('integration-compare-seeds-collapse', {
          waitForWebviewSelector: '[data-testid="card-seeds:seeds-mocov2"]',
        });
        assert.ok(shot?.webviewText, 'no collapse panel text');
        for (const v of ['seeds-mocov2', 'seeds-method'])
          assert.ok(shot.webviewText.includes(`${v} mean ± sd over 3 seeds (0, 1, 2)`), `no aggregate card for ${v}`);
        assert.ok(!shot.webviewText.includes('seeds-method-seed1'), 'a seed shown on its own card');
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      for (const c of copies) fs.rmSync(c, { recursive: true, force: true });
      studio.refresh();
    }
  });

  it('New Experiment "my NIfTI dataset": inspects a real MSD NIfTI folder; the config validates and names the dataset path', async function () {
    this.timeout(120_000);
    const data = path.join(ws, 'data', 'msd-phantom');
    if (!fs.existsSync(data)) writePhantomMsd(data, { cases: 3, shape: [48, 48, 12], seed: 4 });
    const uri = await vscode.commands.executeCommand<vscode.Uri>('medssl.newExperiment', {
      template: 'nifti',
      name: 'itest-nifti',
      dataFolder: data,
      open: false,
    });
    assert.ok(uri, 'no config written');
    assert.equal(uri.fsPath, path.join(ws, 'itest-nifti.medssl.yaml'));
    const text = fs.readFileSync(uri.fsPath, 'utf8');
    const v = validateConfigText(text, { file: uri.fsPath });
    assert.equal(v.ok, true, v.problems.map((p) => p.message).join('; '));
    assert.ok(v.config);
    assert.equal(v.config.data.source, 'folder');
    // Written relative to the config (the workspace stays movable), resolved against the config's folder.
    assert.equal((parseYaml(text) as { data: { path: string } }).data.path, 'data/msd-phantom');
    assert.equal(v.config.data.path, data);
    assert.match(text, /^# MedSSL experiment on .*msd-phantom$/m);
    assert.match(text, /^# inspect: 3 cases, layout msd, labelled, 0 problem\(s\)$/m);
    const r = await vscode.commands.executeCommand<{ ok: boolean; errors: number }>('medssl.validateConfig', uri);
    assert.deepEqual([r?.ok, r?.errors], [true, 0]);
  });

  it('New Experiment "my NIfTI dataset" on bad folders: the problems are in the config header (and a warning)', async function () {
    this.timeout(60_000);
    const empty = path.join(ws, 'data', 'empty');
    fs.mkdirSync(empty, { recursive: true });
    const u1 = await vscode.commands.executeCommand<vscode.Uri>('medssl.newExperiment', {
      template: 'nifti',
      name: 'itest-nifti-empty',
      dataFolder: empty,
      open: false,
    });
    const t1 = fs.readFileSync(u1.fsPath, 'utf8');
    assert.match(t1, /^# inspect: 0 cases, .*, 1 problem\(s\)$/m);
    assert.match(t1, /^# {3}problem: empty: no images found/m);

    const broken = path.join(ws, 'data', 'broken');
    fs.mkdirSync(path.join(broken, 'imagesTr'), { recursive: true });
    fs.writeFileSync(path.join(broken, 'imagesTr', 'case_001.nii.gz'), 'not a volume');
    const u2 = await vscode.commands.executeCommand<vscode.Uri>('medssl.newExperiment', {
      template: 'nifti',
      name: 'itest-nifti-broken',
      dataFolder: broken,
      open: false,
    });
    const t2 = fs.readFileSync(u2.fsPath, 'utf8');
    assert.match(t2, /^# {3}problem: imagesTr\/case_001\.nii\.gz: not a NIfTI file/m);
    // The config itself is still valid YAML for the engine; the data problems are the dataset's.
    assert.equal(validateConfigText(t2, { file: u2.fsPath }).ok, true);
  });
});
