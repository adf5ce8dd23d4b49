import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEvaluationRun, smallCurves } from '../../../webview/runview/smallCurves';

const names = (...n: string[]) => new Set(n);

test('a pretraining run: total loss and RankMe (the eigenvalue form, labelled, for runs recorded before RankMe)', () => {
  const pre = smallCurves(names('loss/total', 'diag/representation/rankMe', 'diag/representation/effectiveRank', 'linear/loss'));
  assert.deepEqual(
    pre.map((c) => c.name),
    ['loss/total', 'diag/representation/rankMe'],
  );
  assert.match(pre[1].title, /RankMe/);
  const old = smallCurves(names('loss/total', 'diag/representation/effectiveRank'));
  assert.deepEqual(
    old.map((c) => c.name),
    ['loss/total', 'diag/representation/effectiveRank'],
  );
  assert.match(old[1].title, /eigenvalue form/);
  // nothing yet (a pretraining just started): the pretraining pair
  assert.deepEqual(
    smallCurves(names()).map((c) => c.name),
    ['loss/total', 'diag/representation/rankMe'],
  );
});

test('an evaluation run shows its own loss and Dice, not "loss —" and "effective rank —"', () => {
  assert.deepEqual(
    smallCurves(names('linear/loss', 'linear/dice/meanForeground')).map((c) => c.name),
    ['linear/loss', 'linear/dice/meanForeground'],
  );
  assert.deepEqual(
    smallCurves(names('linear/loss', 'linear/dice/meanForeground', 'finetune/loss')).map((c) => c.name),
    ['finetune/loss', 'finetune/dice/meanForeground'],
  );
  // before its first scalar, the stage says which run it is
  assert.ok(isEvaluationRun(names(), { step: 0, totalSteps: 10, imagesPerSec: 0, etaSec: 0, stage: 'linear evaluation' }));
  assert.ok(
    !isEvaluationRun(names(), {
      step: 0,
      totalSteps: 10,
      imagesPerSec: 0,
      etaSec: 0,
      stage: 'linear evaluation',
      stagesDone: ['pretraining'],
    }),
  );
  assert.deepEqual(
    smallCurves(names(), { step: 0, totalSteps: 10, imagesPerSec: 0, etaSec: 0, stage: 'fine-tuning' }).map((c) => c.name),
    ['finetune/loss', 'finetune/dice/meanForeground'],
  );
});

test("a run that pretrains then evaluates: while an evaluation stage runs, that stage's loss and Dice; ended, its pretraining", () => {
  const all = names('loss/total', 'diag/representation/rankMe', 'linear/loss', 'finetune/loss');
  const at = (stage: string) => ({ step: 3, totalSteps: 10, imagesPerSec: 1, etaSec: 1, stage, stagesDone: ['pretraining'] });
  assert.deepEqual(
    smallCurves(all, at('fine-tuning'), true).map((c) => c.name),
    ['finetune/loss', 'finetune/dice/meanForeground'],
  );
  assert.deepEqual(
    smallCurves(all, at('linear evaluation'), true).map((c) => c.name),
    ['linear/loss', 'linear/dice/meanForeground'],
  );
  assert.deepEqual(
    smallCurves(all, at('fine-tuning'), false).map((c) => c.name),
    ['loss/total', 'diag/representation/rankMe'],
  );
  assert.deepEqual(
    smallCurves(all, { ...at('pretraining'), stagesDone: [] }, true).map((c) => c.name),
    ['loss/total', 'diag/representation/rankMe'],
  );
});
