/**
 * MedSSL: Segment with… — on a `.nii`/`.nii.gz` file or a folder (volumes or a DICOM series) in the
 * explorer: a quick pick of the runs that saved a segmentation model (kind and held-out Dice), then
 * `medssl predict --json` in a worker process (TensorFlow never loads in the extension host) under a
 * progress notification, then the Overlays panel on the result (no ground truth needed).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openOverlaysPanel } from '../panels/overlaysPanel';
import type { Studio } from '../studio';
import { runCli } from '../worker/runCli';
import { predictArgs, predictOutcome, savedModelsOf, type SegmentOutcome } from './segmentResult';

export async function segmentWith(
  studio: Studio,
  uri?: vscode.Uri,
  opts: { run?: string; kind?: 'finetune' | 'linear'; out?: string } = {},
): Promise<SegmentOutcome | undefined> {
  let input = uri?.fsPath;
  if (!input) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      filters: { NIfTI: ['nii', 'gz'] },
      openLabel: 'Segment',
    });
    input = picked?.[0]?.fsPath;
    if (!input) return undefined;
  }
  const choices = studio.tree.refresh().flatMap((r) => savedModelsOf(r.dir, r.run?.name ?? r.id));
  let choice = opts.run ? savedModelsOf(opts.run, path.basename(opts.run)).find((c) => !opts.kind || c.kind === opts.kind) : undefined;
  if (!choice) {
    if (choices.length === 0) {
      void vscode.window.showWarningMessage(
        'MedSSL: no run has a saved segmentation model yet; evaluate one first (MedSSL: Evaluate Checkpoint, fine-tune).',
      );
      return { ok: false, reason: 'no run with a saved model' };
    }
    const item = await vscode.window.showQuickPick(
      choices.map((c) => ({
        label: c.name,
        description: `${c.kind} · Dice ${c.meanForegroundDice === null ? 'n/a' : c.meanForegroundDice.toFixed(3)}`,
        detail: c.dir,
        choice: c,
      })),
      { title: `Segment ${path.basename(input)} with…`, placeHolder: 'A run with a saved segmentation model' },
    );
    if (!item) return undefined;
    choice = item.choice;
  }
  const refused = studio.trust.refusal();
  if (refused) return { ok: false, reason: refused };
  const rt = await studio.runtime.get();
  const c = choice;
  const r = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `MedSSL: segmenting ${path.basename(input)} with ${c.name} (${c.kind})`,
      cancellable: true,
    },
    (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      // the CLI prints "<case>: N slices" on stderr as each volume is done
      return runCli(rt, studio.runtime.cliPath, predictArgs(c.dir, c.kind, input, opts.out), {
        cwd: path.dirname(input),
        signal: ac.signal,
        onStderr: (s) => {
          const m = /^(.+): (\d+) slices$/m.exec(s);
          if (m) progress.report({ message: `${m[1]} (${m[2]} slices)` });
        },
      });
    },
  );
  const outcome = predictOutcome(r.code, r.stdout, r.stderr);
  studio.output.appendLine(
    `medssl predict ${c.dir} ${input} (exit ${r.code})${outcome.ok ? `: ${outcome.outDir}` : `: ${outcome.reason}`}`,
  );
  if (!outcome.ok) {
    void vscode.window.showErrorMessage(`MedSSL: Segment with… failed — ${outcome.reason}`);
    return outcome;
  }
  if (outcome.overlays) openOverlaysPanel(studio.context, outcome.overlays);
  void vscode.window
    .showInformationMessage(
      `MedSSL: ${outcome.outputs!.length} label map${outcome.outputs!.length === 1 ? '' : 's'} in ${outcome.outDir} (${outcome.slicesPerSecond!.toFixed(1)} slices/s)`,
      'Reveal',
    )
    .then((a) => {
      if (a === 'Reveal') void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(outcome.outputs![0]));
    });
  return outcome;
}

export function registerSegmentCommands(studio: Studio): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      'medssl.segmentWith',
      (uri?: vscode.Uri, opts?: { run?: string; kind?: 'finetune' | 'linear'; out?: string }) =>
        segmentWith(studio, uri instanceof vscode.Uri ? uri : undefined, opts),
    ),
  ];
}
