/**
 * Runs inside the extension host of a real VS Code (code-server): the paths a user takes through the quick
 * picks and the progress notification, with no arguments passed to the commands.
 *  - Evaluate Checkpoint with no argument: the run quick pick (focus moved with the workbench's own
 *    `workbench.action.quickOpenSelectNext`, accepted with `workbench.action.acceptSelectedQuickOpenItem`),
 *    then the linear/fine-tuning quick pick (a real mouse click on the row, by the browser driver).
 *  - Compare Runs with no argument and one run selected in the Runs view: the canPickMany quick pick opens
 *    with that run pre-checked; it is unchecked and two others checked (`workbench.action.quickPickManyToggle`
 *    on the focused row, then accept); the Curves panel opens on the two.
 *  - Cancel on the cancellable progress notification of an evaluation: a real mouse click on its Cancel
 *    button in the notification center; the job stops and its run is marked cancelled.
 * What the workbench shows (is the quick pick open, which row has focus) is read from the page through the
 * screenshot driver (scripts/test-integration.mjs looks for the selector in every frame of the page, the
 * workbench's own included). Without that driver (npm run test:electron) these tests are skipped: the
 * extension API cannot see a quick pick.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../../src/core/runs';
import type { RunsNode } from '../../src/extension/runs/runsTree';
import type { Studio, TrainResult } from '../../src/extension/studio';
import { copySeedRuns, tinyConfig, waitFor } from './helpers';
import { requestScreenshot, screenshotsAvailable } from './screenshot';

const EXTENSION_ID = 'medssl.medssl-studio';

type EvalRun = ReturnType<typeof readRun> & { source?: { runId: string; dir: string } };

let probes = 0;
// Plain CSS only: the driver also runs the selector through document.querySelector. A hidden quick input
// keeps its DOM with an inline display: none.
const VISIBLE_QUICK_PICK = '.quick-input-widget:not([style*="display: none"])';

/** Resolves once a visible quick pick shows this placeholder (optionally saving a screenshot). */
async function waitForQuickPick(placeholder: string, screenshot?: string): Promise<string> {
  const answer = await requestScreenshot(screenshot ?? `quickpick-probe-${++probes}`, {
    waitForWebviewSelector: `${VISIBLE_QUICK_PICK} input[placeholder=${JSON.stringify(placeholder)}]`,
    screenshot: !!screenshot,
    timeoutMs: 30_000,
  });
  return answer?.webviewText ?? '';
}

/**
 * Attributes (aria-label, aria-checked) of the first visible quick pick row matching `rowSelector`, or
 * undefined when none does within 1.5 s (the driver then logs a failed probe: expected, e.g. a multi-select
 * pick opens with no row focused).
 */
async function rowAttributes(rowSelector: string): Promise<Record<string, string> | undefined> {
  try {
    const answer = await requestScreenshot(`quickpick-probe-${++probes}`, {
      waitForWebviewSelector: `${VISIBLE_QUICK_PICK} .monaco-list-row${rowSelector}`,
      screenshot: false,
      timeoutMs: 1500,
    });
    return answer?.attributes ?? {};
  } catch {
    return undefined;
  }
}

const idPattern = (id: string) => new RegExp(`(^|[^\\w-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`);

/** Moves the quick pick's focus down (wrapping) with the workbench's Select Next until the focused row matches. */
async function focusRow(match: (ariaLabel: string) => boolean, what: string): Promise<Record<string, string>> {
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    const attrs = await rowAttributes('.focused');
    if (attrs && match(attrs['aria-label'] ?? '')) return attrs;
    if (attrs) seen.push(attrs['aria-label'] ?? '?');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
  }
  throw new Error(`no quick pick row shows ${what}; focused rows were: ${seen.slice(0, 8).join(' | ')}`);
}

const focusRowOf = (id: string) => focusRow((l) => idPattern(id).test(l), id);

/** In a canPickMany pick: focus the row, and toggle it (the workbench's Toggle) unless it already is `checked`. */
async function setChecked(match: (ariaLabel: string) => boolean, what: string, checked: boolean): Promise<void> {
  const attrs = await focusRow(match, what);
  if ((attrs['aria-checked'] === 'true') !== checked) await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
}

describe('MedSSL Studio: quick picks and the progress notification, driven like a user', function () {
  let studio: Studio;
  /** Trained in this order (the quick picks list the newest first): cancel has a long fine-tuning in its config. */
  const trained: Record<'cancel' | 'a' | 'b', string> = { cancel: '', a: '', b: '' };

  before(async function () {
    if (!screenshotsAvailable()) this.skip();
    this.timeout(240_000);
    const ext = vscode.extensions.getExtension<{ studio: Studio }>(EXTENSION_ID);
    assert.ok(ext);
    studio = (await ext.activate()).studio;
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    for (const key of ['cancel', 'a', 'b'] as const) {
      const name = `itest-qp-${key}`;
      const file = path.join(ws, `${name}.medssl.yaml`);
      let text = tinyConfig(name, 1);
      // Its fine-tuning is long (minutes), so that Cancel surely lands while it runs.
      if (key === 'cancel') text += 'evaluation:\n  linear: { enabled: false }\n  finetune: { epochs: 500, batchSize: 2 }\n';
      fs.writeFileSync(file, text);
      const res = await vscode.commands.executeCommand<TrainResult>('medssl.train', vscode.Uri.file(file));
      assert.ok(res?.job && res.done, `Train refused: ${res?.refused}`);
      const job = await res.done;
      assert.equal(job.result, 'completed', `${name} ended ${job.result}: ${job.error}`);
      trained[key] = job.runDirs[0];
    }
    studio.refresh();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  afterEach(async () => {
    // A failed test must not leave its quick pick open for the next one.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.hideList');
  });

  it('Evaluate Checkpoint with no argument: the run is chosen in a quick pick (keyboard), the mode in a second one (mouse click); the evaluation run folder has the chosen stage and source', async function () {
    this.timeout(180_000);
    // a: not the newest run, so not the row focused when the pick opens (Select Next moves to it).
    const target = trained.a;
    const targetId = readRun(target).id;
    const pending = vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint');

    const listText = await waitForQuickPick('Run whose pretrained encoder to evaluate', 'integration-quickpick-evaluate-run');
    for (const d of [trained.a, trained.b])
      assert.ok(listText.includes(readRun(d).id), `the run quick pick does not list ${readRun(d).id}`);
    await focusRowOf(targetId);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');

    // Second quick pick: linear evaluation or fine-tuning; "Fine-tuning" is the second row, clicked.
    const modeText = await waitForQuickPick(
      `Evaluate ${path.basename(target)}: linear evaluation or fine-tuning`,
      'integration-quickpick-evaluate-mode',
    );
    assert.match(modeText, /Linear evaluation/);
    assert.match(modeText, /Fine-tuning/);
    await requestScreenshot(`quickpick-probe-${++probes}`, {
      clickInWebview: `${VISIBLE_QUICK_PICK} .monaco-list-row[aria-label^="Fine-tuning"]`,
      screenshot: false,
    });

    const res = await pending;
    assert.ok(res?.job && res.done, `Evaluate refused: ${res?.refused}`);
    assert.deepEqual(res.job.spec.args.slice(0, 4), ['evaluate', target, '--mode', 'finetune']);
    const job = await res.done;
    assert.equal(job.result, 'completed', `job ended ${job.result}: ${job.error}`);
    const dir = job.runDirs[0];
    assert.ok(dir && fs.existsSync(path.join(dir, 'run.json')), `no evaluation run folder (${dir})`);
    assert.equal(path.dirname(dir), path.dirname(target), 'the evaluation folder is not beside its source');
    const run = readRun(dir) as EvalRun;
    assert.equal(run.stage, 'finetune');
    assert.equal(run.status, 'completed');
    assert.equal(run.source?.dir, target);
    assert.equal(run.source?.runId, targetId);
  });

  it('Compare Runs with no argument: the multi-select quick pick pre-checks the Runs view selection; unchecking it and checking two others opens the Curves panel with those two', async function () {
    this.timeout(60_000);
    const chosen = [trained.a, trained.b];
    // One run selected in the Runs view (as a user would have): the pick opens with it pre-checked.
    const preselected = trained.cancel;
    await vscode.commands.executeCommand('workbench.view.extension.medssl');
    studio.refresh();
    const group = studio.tree.getChildren().find((g) => g.kind === 'group' && g.name === 'itest-qp-cancel');
    const node = group && (studio.tree.getChildren(group) as RunsNode[]).find((n) => n.kind === 'run' && n.summary.dir === preselected);
    assert.ok(node, 'the run to preselect is not in the Runs view');
    await studio.runsView.reveal(node, { select: true, focus: true });
    await waitFor(
      'the Runs view selection',
      () =>
        studio.runsView.selection.length === 1 &&
        studio.runsView.selection[0].kind === 'run' &&
        (studio.runsView.selection[0] as { summary: { dir: string } }).summary.dir === preselected,
    );
    const pending = vscode.commands.executeCommand<{ dirs: string[]; curves?: { panel: vscode.WebviewPanel } } | undefined>(
      'medssl.compareRuns',
    );
    const listText = await waitForQuickPick('Runs to compare (two or more)');
    for (const d of chosen) assert.ok(listText.includes(readRun(d).id), `the compare quick pick does not list ${readRun(d).id}`);
    const checked = await rowAttributes('[aria-checked="true"]');
    assert.ok(
      checked && idPattern(readRun(preselected).id).test(checked['aria-label'] ?? ''),
      `the Runs view's selection is not the pre-checked row (${checked?.['aria-label']})`,
    );
    // The user unchecks it, and checks the two runs to compare.
    await setChecked((l) => idPattern(readRun(preselected).id).test(l), readRun(preselected).id, false);
    for (const d of chosen) await setChecked((l) => idPattern(readRun(d).id).test(l), readRun(d).id, true);
    // The two rows checked, as the user sees them before accepting.
    await waitForQuickPick('Runs to compare (two or more)', 'integration-quickpick-compare');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');

    const res = await pending;
    assert.ok(res, 'Compare Runs opened nothing (fewer than two runs picked?)');
    assert.deepEqual([...res.dirs].sort(), [...chosen].sort(), 'the compared runs are not the two toggled');
    assert.equal(res.curves?.panel.title, `MedSSL Curves: ${res.dirs.map((d) => path.basename(d)).join(', ')}`);
    // The panel's legend has a chip for each chosen run.
    const legend = `[data-testid="legend"]${chosen.map((d) => `:has([data-run="${readRun(d).id}"])`).join('')}`;
    const shot = await requestScreenshot('integration-quickpick-compare-curves', { waitForWebviewSelector: legend, timeoutMs: 20_000 });
    assert.equal(shot?.attributes?.['data-testid'], 'legend', 'the Curves legend with both runs is not shown');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Compare Runs with no argument offers a variant with seeds as one entry; checking two variants compares all six seeds', async function () {
    this.timeout(60_000);
    // copies of the recorded seeds fixture in the runs folder, removed again at the end
    const copies = copySeedRuns(path.dirname(trained.a));
    try {
      studio.refresh();
      const pending = vscode.commands.executeCommand<{ dirs: string[] } | undefined>('medssl.compareRuns');
      const listText = await waitForQuickPick('Runs to compare (two or more)');
      assert.match(listText, /seeds-method/);
      assert.match(listText, /3 runs, seeds 0, 1, 2/);
      for (const v of ['seeds-method', 'seeds-mocov2']) await setChecked((l) => l.includes(v) && l.includes('3 runs'), v, true);
      await waitForQuickPick('Runs to compare (two or more)', 'integration-quickpick-compare-variants');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      const res = await pending;
      assert.ok(res, 'Compare Runs opened nothing');
      assert.deepEqual(res.dirs.filter((d) => copies.includes(d)).sort(), copies, 'checking the two variants brings their six seeds');
      // a run the Runs view had selected from the test before may be pre-checked too; nothing else
      assert.ok(
        res.dirs.every((d) => copies.includes(d) || d === trained.cancel),
        res.dirs.join(', '),
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      for (const c of copies) fs.rmSync(c, { recursive: true, force: true });
      studio.refresh();
    }
  });

  it('Cancel on the fine-tuning progress notification (a real click) stops the job and the run is marked cancelled', async function () {
    this.timeout(180_000);
    const src = trained.cancel;
    const res = await vscode.commands.executeCommand<TrainResult>('medssl.evaluateCheckpoint', src, { mode: 'finetune' });
    assert.ok(res?.job && res.done, `Evaluate refused: ${res?.refused}`);
    const job = res.job;
    await waitFor('the first fine-tuning steps', () => (job.progress && job.progress.step >= 1) || job.state === 'finished', 120_000);
    assert.notEqual(job.state, 'finished', `the 500-epoch fine-tuning ended before Cancel: ${job.result} ${job.error ?? ''}`);

    await vscode.commands.executeCommand('notifications.showList');
    // The notification's only button is its Cancel (the progress has no other action).
    const cancel = `.notifications-center .monaco-list-row[aria-label*=${JSON.stringify(`Fine-tuning of ${path.basename(src)}`)}] .notification-list-item-buttons-container .monaco-button`;
    const shot = await requestScreenshot('integration-progress-notification', { waitForWebviewSelector: cancel });
    assert.ok(shot?.png, 'no screenshot of the notification');
    assert.match(shot.webviewText ?? '', /Cancel/);
    await requestScreenshot(`quickpick-probe-${++probes}`, { clickInWebview: cancel, screenshot: false });

    const done = await res.done;
    assert.equal(done.result, 'cancelled', `job ended ${done.result}: ${done.error}`);
    const dir = done.runDirs[0];
    assert.ok(dir, 'the evaluation wrote no run folder');
    const run = readRun(dir);
    assert.equal(run.stage, 'finetune');
    assert.equal(run.status, 'cancelled');
  });
});
