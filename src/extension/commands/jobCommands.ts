/**
 * The commands that start a job: Train, Resume Run, Evaluate Checkpoint and Train on Slurm. Each asks the
 * one Workspace Trust guard first; the job itself is a worker process (JobHost), never in the extension host.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../../core/runs';
import { isConfigDocument } from '../config/configAuthoring';
import { resumeArgs, trainArgs } from '../jobs/jobArgs';
import type { Job } from '../jobs/jobManager';
import type { JobRequest, TrainResult } from '../jobs/jobHost';
import { pickRun, type RunArg } from '../runs/pickRun';
import { settings } from '../settings';
import type { Studio } from '../studio';
import { evaluateCheckpoint, type EvalMode, type EvaluateHost } from './evaluateCheckpoint';

/** The config a command acts on: the given file, else the active editor's config. */
export function configUri(uri?: vscode.Uri): vscode.Uri | undefined {
  if (uri instanceof vscode.Uri) return uri;
  const doc = vscode.window.activeTextEditor?.document;
  return doc && isConfigDocument(doc) ? doc.uri : undefined;
}

export async function train(studio: Studio, uri?: vscode.Uri): Promise<TrainResult> {
  const blocked = studio.trust.refusal();
  if (blocked) return { refused: blocked };
  let target = configUri(uri);
  if (!target) {
    const found = await vscode.workspace.findFiles('**/*.medssl.{yaml,yml,json}', '**/node_modules/**', 50);
    if (found.length === 0) {
      const msg = 'MedSSL: no *.medssl.yaml config to train. Create one with MedSSL: New Experiment.';
      void vscode.window.showWarningMessage(msg, 'New Experiment').then((a) => a && vscode.commands.executeCommand('medssl.newExperiment'));
      return { refused: msg };
    }
    const pick =
      found.length === 1
        ? { uri: found[0] }
        : await vscode.window.showQuickPick(
            found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
            { placeHolder: 'Config to train' },
          );
    if (!pick) return { refused: 'cancelled' };
    target = pick.uri;
  }
  // Validate first (unsaved edits are saved: the job reads the file).
  const doc = await vscode.workspace.openTextDocument(target);
  if (doc.isDirty) await doc.save();
  const v = studio.authoring.validate(doc);
  if (v && !v.ok) {
    const n = v.problems.filter((p) => p.severity === 'error').length;
    const msg = `MedSSL: ${path.basename(target.fsPath)} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} before training.`;
    void vscode.window
      .showErrorMessage(msg, 'Show Problems')
      .then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return { refused: msg };
  }
  const file = target.fsPath;
  const runsDir = studio.runsDir(file)!;
  const queued = await studio.jobs.enqueue({
    label: v?.config?.name ?? path.basename(file),
    args: trainArgs(file, runsDir, settings.backend()),
    cwd: path.dirname(file),
    runsDir,
  });
  if ('refused' in queued) return queued;
  const job = queued.job;
  if (job.state === 'queued')
    void vscode.window.showInformationMessage(
      `MedSSL: ${job.spec.label} is queued (medssl.maxConcurrentJobs = ${settings.maxConcurrentJobs()}).`,
    );
  studio.jobs.showStartProgress(job);
  return { job, done: studio.jobs.whenDone(job) };
}

export async function resumeRun(studio: Studio, node?: RunArg): Promise<TrainResult> {
  const blocked = studio.trust.refusal();
  if (blocked) return { refused: blocked };
  const dir = await pickRun(
    () => studio.tree.refresh(),
    node,
    (s) => s === 'cancelled' || s === 'failed' || s === 'stale',
    'Run to resume',
  );
  if (!dir) return { refused: 'no run chosen' };
  let label = path.basename(dir);
  try {
    label = `${readRun(dir).name} (resume)`;
  } catch {
    /* keep the folder name */
  }
  const queued = await studio.jobs.enqueue({
    label,
    args: resumeArgs(dir, path.dirname(dir), settings.backend()),
    cwd: path.dirname(dir),
    runsDir: path.dirname(dir),
  });
  if ('refused' in queued) return queued;
  const job = queued.job;
  studio.jobs.showStartProgress(job);
  return { job, done: studio.jobs.whenDone(job) };
}

/** What Evaluate Checkpoint needs: the runs, the backend, and a job start behind the trust guard. */
function evaluateHost(studio: Studio): EvaluateHost {
  return {
    runs: () => studio.refresh(),
    backend: settings.backend,
    startJob: async (request: JobRequest): Promise<TrainResult> => {
      const blocked = studio.trust.refusal();
      if (blocked) return { refused: blocked };
      const queued = await studio.jobs.enqueue(request);
      if ('refused' in queued) return queued;
      return { job: queued.job, done: studio.jobs.whenDone(queued.job) };
    },
    jobChanged: studio.jobs.jobChanged.event,
    stop: (j: Job) => studio.jobs.manager.stop(j),
  };
}

export function registerJobCommands(studio: Studio): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('medssl.train', (uri?: vscode.Uri) => train(studio, uri)),
    vscode.commands.registerCommand('medssl.resumeRun', (node?: RunArg) => resumeRun(studio, node)),
    vscode.commands.registerCommand('medssl.evaluateCheckpoint', (node?: RunArg, opts?: { mode?: EvalMode }) =>
      evaluateCheckpoint(evaluateHost(studio), node, opts),
    ),
    vscode.commands.registerCommand('medssl.trainOnSlurm', (uri?: vscode.Uri) => studio.slurm.train(uri)),
  ];
}
