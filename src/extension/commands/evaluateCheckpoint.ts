/**
 * MedSSL: Evaluate Checkpoint — a run's pretrained encoder (checkpoints/latest) evaluated downstream,
 * linear or fine-tuning, as a `medssl evaluate` job (never in the extension host) that writes a new run
 * folder beside the source (stage linear|finetune, same config name: it shows under the source's group).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../../core/runs';
import type { Job } from '../jobs/jobManager';
import { wholeJobPhase } from '../jobs/jobPhase';
import { showJobProgress } from '../jobs/jobProgress';
import { evaluateArgs } from '../jobs/jobArgs';
import { keyMetric, type RunSummary } from '../runs/runsModel';
import type { RunsNode } from '../runs/runsTree';
import { evaluableRuns } from '../runs/runSelection';

export type EvalMode = 'linear' | 'finetune';

export const EVAL_MODE_ITEMS: readonly { mode: EvalMode; label: string; detail: string }[] = [
  {
    mode: 'linear',
    label: 'Linear evaluation',
    detail: 'Frozen encoder (evaluation mode) + a 1×1 convolution on its last feature map: how linearly separable the organs are.',
  },
  {
    mode: 'finetune',
    label: 'Fine-tuning',
    detail: "Encoder from the checkpoint + a decoder, trained end to end (evaluation.finetune of the run's config).",
  },
];

/** What the command needs from the Studio. */
export interface EvaluateHost {
  runs(): RunSummary[];
  backend(): string;
  /** Trust, worker runtime, queue, output channel; `refused` says why nothing started. */
  startJob(spec: {
    label: string;
    args: string[];
    cwd: string;
    runsDir: string;
  }): Promise<{ refused?: string; job?: Job; done?: Promise<Job> }>;
  jobChanged: vscode.Event<Job>;
  stop(job: Job): void;
}

export async function evaluateCheckpoint(
  host: EvaluateHost,
  node?: RunsNode | string,
  opts: { mode?: EvalMode } = {},
): Promise<{ refused?: string; job?: Job; done?: Promise<Job> }> {
  let dir = typeof node === 'string' ? node : node?.kind === 'run' ? node.summary.dir : undefined;
  if (!dir) {
    const runs = evaluableRuns(host.runs());
    if (!runs.length) {
      const msg = 'MedSSL: no run with a checkpoint to evaluate; train one first.';
      void vscode.window.showInformationMessage(msg);
      return { refused: msg };
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.id, description: [r.run?.name, r.shownStatus, keyMetric(r)].filter(Boolean).join(' · '), dir: r.dir })),
      { placeHolder: 'Run whose pretrained encoder to evaluate' },
    );
    if (!pick) return { refused: 'cancelled' };
    dir = pick.dir;
  }
  let mode = opts.mode;
  if (!mode) {
    const pick = await vscode.window.showQuickPick(
      EVAL_MODE_ITEMS.map((m) => ({ ...m })),
      { placeHolder: `Evaluate ${path.basename(dir)}: linear evaluation or fine-tuning` },
    );
    if (!pick) return { refused: 'cancelled' };
    mode = pick.mode;
  }
  const item = EVAL_MODE_ITEMS.find((m) => m.mode === mode);
  if (!item) throw new Error(`unknown evaluation mode '${String(mode)}' (linear or finetune)`);
  const runsDir = path.dirname(dir);
  let name = path.basename(dir);
  try {
    name = readRun(dir).name;
  } catch {
    /* not a run folder: the worker says so (exit 2, in the notification) */
  }
  const res = await host.startJob({
    label: `${name} ${mode}`,
    args: evaluateArgs(dir, mode, runsDir, host.backend()),
    cwd: runsDir,
    runsDir,
  });
  if (res.job) {
    const job = res.job;
    void showJobProgress(job, {
      title: `MedSSL: ${item.label} of ${path.basename(dir)}`,
      phase: wholeJobPhase,
      changed: host.jobChanged,
      stop: (j) => host.stop(j),
    });
  }
  return res;
}
