/**
 * The progress of a run's current stage, from its events. A run pretrains and then evaluates (linear or
 * fine-tuning) in the same folder, and each stage counts its own steps (pretraining 1..20, then the
 * linear head 1..180): the side view shows the stage running now, named, with the finished ones before
 * it. No `vscode` import (unit-tested in node).
 */
import type { RunEvent, RunStage } from '../../core/runs';
import type { RunProgress } from '../../protocol/webviews/runView';

/** Log lines that open a stage (src/core/train/pretrain.ts, src/core/eval/linear.ts, finetune.ts). */
const STAGE_LOGS: [RegExp, string][] = [
  [/^pretrain:/, 'pretraining'],
  [/^linear evaluation:/, 'linear evaluation'],
  [/^fine-tuning:/, 'fine-tuning'],
];

/** What a run's first progress counts when no stage log came before it (run.json's stage). */
export function firstStageName(stage: RunStage | string | undefined): string {
  return stage === 'linear' ? 'linear evaluation' : stage === 'finetune' ? 'fine-tuning' : 'pretraining';
}

export function stageOfLog(message: string): string | undefined {
  return STAGE_LOGS.find(([re]) => re.test(message))?.[1];
}

/**
 * Consumes events (all at once or as they are tailed) and knows the current stage's progress.
 * A progress event that names its stage (`stage`) decides. For older runs without it, a stage starts at a stage log line (pretrain:, linear evaluation:, fine-tuning:) with a name other
 * than the current one (a resumed pretraining logs "pretrain:" again and stays one stage), or at a
 * progress event whose totalSteps differs from the current stage's (an unnamed next stage: "evaluation").
 */
export class StageProgressTracker {
  private stage: string | undefined;
  private pending: string | undefined;
  private done: string[] = [];
  private last: RunProgress | undefined;

  constructor(private readonly runStage?: RunStage | string) {}

  /** Returns true when the progress shown changed. */
  add(events: readonly RunEvent[]): boolean {
    let changed = false;
    for (const e of events) {
      if (e.type === 'log') {
        const s = stageOfLog(e.message);
        if (s && s !== (this.pending ?? this.stage)) this.pending = s;
        continue;
      }
      if (e.type !== 'progress') continue;
      // Progress events name their stage (engine since 2026-11-27); older runs' stages come from log lines.
      const named = e.stage ? firstStageName(e.stage) : undefined;
      const next = named ?? this.pending ?? (this.last && this.last.totalSteps !== e.totalSteps ? 'evaluation' : undefined);
      if (this.stage === undefined) this.stage = next ?? firstStageName(this.runStage);
      else if (next !== undefined && next !== this.stage) {
        this.done.push(this.stage);
        this.stage = next;
      }
      this.pending = undefined;
      this.last = {
        step: e.step,
        totalSteps: e.totalSteps,
        imagesPerSec: e.imagesPerSec,
        etaSec: e.etaSec,
        stage: this.stage,
        stagesDone: [...this.done],
      };
      changed = true;
    }
    return changed;
  }

  current(): RunProgress | undefined {
    return this.last;
  }
}

/** The current stage's progress of a whole events list. */
export function stageProgress(events: readonly RunEvent[], runStage?: RunStage | string): RunProgress | undefined {
  const t = new StageProgressTracker(runStage);
  t.add(events);
  return t.current();
}
