import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readEvents, type RunEvent } from '../../../src/core/runs';
import { firstStageName, StageProgressTracker, stageOfLog, stageProgress } from '../../../src/extension/panels/stageProgress';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const METHOD_RUN = path.join(ROOT, 'test', 'fixtures', 'runs', '20261127T141523Z-smoke');
const t = '2026-11-27T00:00:00.000Z';
const progress = (step: number, totalSteps: number): RunEvent => ({
  t,
  step,
  epoch: 0,
  type: 'progress',
  totalSteps,
  imagesPerSec: 1,
  etaSec: 1,
});
const log = (message: string): RunEvent => ({ t, step: 0, epoch: 0, type: 'log', level: 'info', message });

test('a recorded run: pretraining 20 steps, then the linear evaluation counts its own 180', () => {
  const events = readEvents(METHOD_RUN, 0).events;
  const firstEval = events.findIndex((e) => e.type === 'log' && e.message.startsWith('linear evaluation:'));
  assert.ok(firstEval > 0);
  const during = stageProgress(events.slice(0, firstEval), 'pretrain');
  assert.equal(during?.stage, 'pretraining');
  assert.deepEqual(during?.stagesDone, []);
  assert.equal(during?.step, 20);
  assert.equal(during?.totalSteps, 20);
  const end = stageProgress(events, 'pretrain');
  assert.equal(end?.stage, 'linear evaluation');
  assert.deepEqual(end?.stagesDone, ['pretraining']);
  assert.equal(end?.step, 180);
  assert.equal(end?.totalSteps, 180);
});

test('tailed in chunks it says the same as all at once, and says when the shown progress changed', () => {
  const events = readEvents(METHOD_RUN, 0).events;
  const tracker = new StageProgressTracker('pretrain');
  let changes = 0;
  for (let i = 0; i < events.length; i += 7) if (tracker.add(events.slice(i, i + 7))) changes++;
  assert.deepEqual(tracker.current(), stageProgress(events, 'pretrain'));
  assert.ok(changes > 10);
  assert.equal(tracker.add([log('checkpoint written')]), false, 'a log line alone changes no progress');
});

test('a resumed pretraining logs "pretrain:" again and stays one stage', () => {
  const p = stageProgress(
    [
      log('pretrain: 10 slices'),
      progress(1, 20),
      progress(5, 20),
      log('pretrain: 10 slices'),
      log('resumed from x (step 3)'),
      progress(4, 20),
    ],
    'pretrain',
  );
  assert.equal(p?.stage, 'pretraining');
  assert.deepEqual(p?.stagesDone, []);
  assert.equal(p?.step, 4);
});

test('an unnamed stage with other total steps is "evaluation"; a fine-tuning run starts as fine-tuning', () => {
  const p = stageProgress([progress(20, 20), progress(1, 50)], 'pretrain');
  assert.equal(p?.stage, 'evaluation');
  assert.deepEqual(p?.stagesDone, ['pretraining']);
  assert.equal(stageProgress([progress(1, 9)], 'finetune')?.stage, 'fine-tuning');
  assert.equal(stageProgress([log('fine-tuning: unet'), progress(1, 9)], 'pretrain')?.stage, 'fine-tuning');
  assert.equal(stageProgress([log('pretrain: x')], 'pretrain'), undefined, 'no progress event: nothing to show');
});

test('stage names', () => {
  assert.equal(firstStageName('linear'), 'linear evaluation');
  assert.equal(firstStageName('demo'), 'pretraining');
  assert.equal(firstStageName(undefined), 'pretraining');
  assert.equal(stageOfLog('linear evaluation: mean foreground Dice 0.05'), 'linear evaluation');
  assert.equal(stageOfLog('run created'), undefined);
});

test('a progress event that names its stage decides, even with no log line and equal step totals', () => {
  const named = (step: number, totalSteps: number, stage: 'pretrain' | 'linear' | 'finetune'): RunEvent =>
    ({ ...progress(step, totalSteps), stage }) as RunEvent;
  const tr = new StageProgressTracker('pretrain');
  tr.add([named(1, 40, 'pretrain'), named(40, 40, 'pretrain')]);
  assert.equal(tr.current()?.stage, 'pretraining');
  // same total steps as the pretraining: only the named stage can tell the fine-tuning apart
  tr.add([named(1, 40, 'finetune')]);
  assert.equal(tr.current()?.stage, 'fine-tuning');
  assert.deepEqual(tr.current()?.stagesDone, ['pretraining']);
  assert.equal(tr.current()?.step, 1);
});
