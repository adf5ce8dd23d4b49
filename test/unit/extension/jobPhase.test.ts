import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../../src/extension/jobs/jobManager';
import { startPhase, wholeJobPhase } from '../../../src/extension/jobs/jobPhase';

const job = (over: Partial<Job>): Job => ({
  key: 1,
  spec: { label: 'smoke', args: [], cwd: '/w' },
  state: 'running',
  runDirs: [],
  ...over,
});

test('start notification: queued → worker started → run folder → closes at the first progress event or the end', () => {
  const q = startPhase(job({ state: 'queued' }));
  assert.equal(q.done, false);
  assert.match(q.message, /queued/);
  const s = startPhase(job({ pid: 4242 }));
  assert.equal(s.done, false);
  assert.match(s.message, /starting the worker \(pid 4242\)/);
  const r = startPhase(job({ pid: 4242, runDirs: ['/w/runs/20260101T000000Z-smoke'] }));
  assert.equal(r.done, false);
  assert.match(r.message, /run folder 20260101T000000Z-smoke: /);
  const p = startPhase(job({ runDirs: ['/w/runs/x'], progress: { step: 1, totalSteps: 20, etaSec: 30, imagesPerSec: 4 } }));
  assert.deepEqual([p.done, p.message], [true, 'step 1/20']);
  const f = startPhase(job({ state: 'finished', result: 'failed' }));
  assert.deepEqual([f.done, f.message], [true, 'failed']);
});

test('whole-job notification (evaluations): percentage from the steps, open until the job ends', () => {
  const before = wholeJobPhase(job({ runDirs: ['/w/runs/x'] }));
  assert.equal(before.done, false);
  assert.equal(before.percent, undefined);
  const mid = wholeJobPhase(job({ runDirs: ['/w/runs/x'], progress: { step: 3, totalSteps: 8, etaSec: 12.4, imagesPerSec: 0 } }));
  assert.deepEqual([mid.done, mid.percent, mid.message], [false, 37, 'step 3/8, ETA 12 s']);
  const over = wholeJobPhase(job({ progress: { step: 9, totalSteps: 8, etaSec: Number.NaN, imagesPerSec: 0 } }));
  assert.deepEqual([over.percent, over.message], [100, 'step 9/8']);
  const end = wholeJobPhase(job({ state: 'finished', result: 'completed' }));
  assert.deepEqual([end.done, end.percent], [true, 100]);
  const cancelled = wholeJobPhase(job({ state: 'finished', result: 'cancelled' }));
  assert.deepEqual([cancelled.done, cancelled.percent, cancelled.message], [true, undefined, 'cancelled']);
});
