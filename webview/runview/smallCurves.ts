/**
 * Which two small curves the side view draws for a run. Pure (unit-tested in node).
 *
 * A pretraining run shows its total loss and the representation's effective rank (RankMe; runs recorded
 * before RankMe was logged fall back to the eigenvalue form, labelled so). An evaluation run (`medssl
 * evaluate`: no pretraining loss) has neither, and showed two empty "—" rows; it shows its own loss and
 * mean Dice instead.
 */
import type { RunProgress } from '../../src/protocol/webviews/runView';

export interface SmallCurve {
  name: string;
  title: string;
}

const PRETRAIN: SmallCurve[] = [
  { name: 'loss/total', title: 'loss (total)' },
  { name: 'diag/representation/rankMe', title: 'effective rank, RankMe (representation)' },
];
const EIGEN_FORM: SmallCurve = { name: 'diag/representation/effectiveRank', title: 'effective rank, eigenvalue form (representation)' };

const EVAL_LOSS: SmallCurve[] = [
  { name: 'linear/loss', title: 'linear evaluation loss' },
  { name: 'finetune/loss', title: 'fine-tuning loss' },
];
const EVAL_DICE: SmallCurve[] = [
  { name: 'linear/dice/meanForeground', title: 'mean Dice (linear)' },
  { name: 'finetune/dice/meanForeground', title: 'mean Dice (fine-tune)' },
];

/** True for a run without pretraining: no pretraining loss, and evaluation scalars or an evaluation stage that did not follow a pretraining. */
export function isEvaluationRun(names: ReadonlySet<string>, progress?: RunProgress): boolean {
  if (names.has('loss/total')) return false;
  if ([...names].some((n) => n.startsWith('linear/') || n.startsWith('finetune/'))) return true;
  return progress?.stage !== undefined && progress.stage !== 'pretraining' && !(progress.stagesDone ?? []).includes('pretraining');
}

/**
 * The two curves: a pretraining run's loss and rank; an evaluation run's own loss and Dice; and a run that
 * pretrains then evaluates (`medssl run`), while it runs an evaluation stage, that stage's loss and Dice
 * (the pretraining curves stand still by then). Once it has ended it shows its pretraining again.
 */
export function smallCurves(names: ReadonlySet<string>, progress?: RunProgress, running = false): SmallCurve[] {
  if (isEvaluationRun(names, progress)) {
    // a run that both fine-tunes and evaluates linearly: the stage running now (fine-tuning comes second)
    const fineTuning = names.has('finetune/loss') || progress?.stage === 'fine-tuning';
    return [EVAL_LOSS[fineTuning ? 1 : 0], EVAL_DICE[fineTuning ? 1 : 0]];
  }
  if (running && (progress?.stage === 'linear evaluation' || progress?.stage === 'fine-tuning')) {
    const i = progress.stage === 'fine-tuning' ? 1 : 0;
    return [EVAL_LOSS[i], EVAL_DICE[i]];
  }
  const rank = names.has(PRETRAIN[1].name) || !names.has(EIGEN_FORM.name) ? PRETRAIN[1] : EIGEN_FORM;
  return [PRETRAIN[0], rank];
}
