import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { jobStatusText } from '../../../src/extension/jobs/jobStatusText';
import type { Job } from '../../../src/extension/jobs/jobManager';

const job = (label: string, state: Job['state'], progress?: Job['progress']): Pick<Job, 'state' | 'spec' | 'progress'> => ({
  state,
  spec: { label, args: [], cwd: '/' },
  progress,
});

test('no active job: nothing to show (the item hides)', () => {
  assert.equal(jobStatusText([]), undefined);
});

test('the first running job with percent and ETA, how many more run, how many wait', () => {
  const s = jobStatusText([
    job('smoke', 'running', { step: 25, totalSteps: 100, etaSec: 90, imagesPerSec: 12.34 }),
    job('other', 'running'),
    job('later', 'queued'),
  ]);
  assert.ok(s);
  assert.match(s.text, /^\$\(sync~spin\) MedSSL smoke 25% · ETA /);
  assert.match(s.text, / \(\+1\) · 1 queued$/);
  assert.equal(s.tooltip, 'smoke: running step 25/100, 12.3 img/s\nother: running\nlater: queued');
});

test('only queued jobs: no label, the count', () => {
  const s = jobStatusText([job('a', 'queued'), job('b', 'queued')]);
  assert.equal(s?.text, '$(sync~spin) MedSSL  · 2 queued');
});
