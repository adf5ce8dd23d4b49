// Run folders of a submission: queued without a pid, job ids recorded, started by the job, and brought in
// line with the scheduler when the job ended without the run saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/core/config';
import { readEvents, readRun, type RunEvent } from '../../../src/core/runs';
import {
  createQueuedRuns,
  fromSlurmState,
  markAttemptLost,
  reconcileRun,
  recordJobIds,
  slurmTaskId,
  startQueuedRun,
} from '../../../src/core/exec';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-exec-runs-'));
const statuses = (dir: string) =>
  (readEvents(dir).events as RunEvent[]).flatMap((e) => (e.type === 'status' ? [`${e.status}${e.message ? `: ${e.message}` : ''}`] : []));

test('createQueuedRuns: one queued folder per config, no pid; job ids recorded; the job starts it (running, its pid, its job id)', () => {
  const b = createQueuedRuns(
    tmp(),
    [
      { config: defaultConfig('abl-a'), configPath: 'x.yaml' },
      { config: defaultConfig('abl-b'), configPath: 'x.yaml' },
    ],
    '/cwd',
  );
  assert.equal(b.runDirs.length, 2);
  assert.equal(b.name, 'abl-a');
  for (const d of b.runDirs) {
    const r = readRun(d);
    assert.equal(r.status, 'queued');
    assert.equal(r.pid, undefined);
    assert.ok(path.isAbsolute(d));
  }
  recordJobIds(b.runDirs, ['9_0', '9_1']);
  assert.equal(readRun(b.runDirs[1]).clusterJobId, '9_1');
  const w = startQueuedRun(b.runDirs[0], { host: 'node7' });
  const r = readRun(b.runDirs[0]);
  assert.deepEqual([r.status, r.pid, r.host, r.clusterJobId], ['running', process.pid, 'node7', '9_0']);
  assert.deepEqual(statuses(b.runDirs[0]), [`queued: run ${r.id} created`, 'running: started by job 9_0 on node7']);
  w.complete();
  assert.throws(() => startQueuedRun(b.runDirs[0]), /is completed, not queued/);
});

test('reconcileRun: a job cancelled or failed while queued marks the run; a live run and a job still queued are left alone', () => {
  const b = createQueuedRuns(
    tmp(),
    [
      { config: defaultConfig('q'), configPath: 'q.yaml' },
      { config: defaultConfig('q2'), configPath: 'q.yaml' },
    ],
    '/cwd',
  );
  recordJobIds(b.runDirs, ['4_0', '4_1']);
  assert.equal(reconcileRun(b.runDirs[0], fromSlurmState('PENDING')), null);
  assert.equal(reconcileRun(b.runDirs[0], fromSlurmState('CANCELLED')), 'cancelled');
  assert.equal(readRun(b.runDirs[0]).status, 'cancelled');
  assert.match(
    statuses(b.runDirs[0]).at(-1) ?? '',
    /^cancelled: job 4_0 ended \(CANCELLED\) before the run started: the Slurm job was cancelled/,
  );
  assert.equal(reconcileRun(b.runDirs[0], fromSlurmState('FAILED')), null, 'final stays final');
  assert.equal(reconcileRun(b.runDirs[1], fromSlurmState('BOOT_FAIL')), 'failed');
  assert.equal(readRun(b.runDirs[1]).error?.message, 'job 4_1 ended (BOOT_FAIL) before the run started: the compute node failed to boot');
  // running here, process alive (this one): its own process will mark it
  const live = createQueuedRuns(tmp(), [{ config: defaultConfig('l'), configPath: 'l.yaml' }], '/cwd').runDirs[0];
  const w = startQueuedRun(live, { host: os.hostname() });
  assert.equal(reconcileRun(live, fromSlurmState('TIMEOUT')), null);
  w.complete();
});

test('reconcileRun: a running run whose process is gone, after a time limit / node failure, is failed with the reason', () => {
  const d = createQueuedRuns(tmp(), [{ config: defaultConfig('t'), configPath: 't.yaml' }], '/cwd').runDirs[0];
  recordJobIds([d], ['6_0']);
  const w = startQueuedRun(d, { host: 'gone-node' }); // another host: liveness cannot be checked, the scheduler decides
  void w;
  assert.equal(reconcileRun(d, fromSlurmState('RUNNING'), new Date(), 'login'), null);
  assert.equal(reconcileRun(d, fromSlurmState('NODE_FAIL'), new Date(), 'login'), 'failed');
  assert.match(readRun(d).error?.message ?? '', /^job 6_0 ended \(NODE_FAIL\) while the run was running: the compute node failed/);
});

test('markAttemptLost and slurmTaskId: a requeued task finds its run still running and says why before resuming', () => {
  const d = createQueuedRuns(tmp(), [{ config: defaultConfig('m'), configPath: 'm.yaml' }], '/cwd').runDirs[0];
  startQueuedRun(d, { host: 'n1' });
  markAttemptLost(d, 'the attempt on n1 ended without marking the run');
  assert.equal(readRun(d).status, 'failed');
  assert.equal(slurmTaskId({ SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '3', SLURM_JOB_ID: '15' }), '12_3');
  assert.equal(slurmTaskId({ SLURM_JOB_ID: '15' }), '15');
  assert.equal(slurmTaskId({}), undefined);
});
