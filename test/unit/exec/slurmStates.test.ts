// Reading squeue / sacct / sbatch output and Slurm states as run statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandJobIds, fromSlurmState, parseSacct, parseSbatchJobId, parseSqueue, withArrayRecords } from '../../../src/core/exec';

test('squeue: one line per array task, grouped pending tasks expanded, unknown words read as unknown', () => {
  const m = parseSqueue('12_0 RUNNING\n12_[1-3,5] PENDING\n13 COMPLETED\n14_0 TIMEOUT\n15_2 WEIRD\n\n');
  assert.deepEqual([...m.keys()], ['12_0', '12_1', '12_2', '12_3', '12_5', '13', '14_0', '15_2']);
  assert.equal(m.get('12_0')?.status, 'running');
  assert.equal(m.get('12_3')?.status, 'queued');
  assert.equal(m.get('13')?.status, 'completed');
  assert.equal(m.get('14_0')?.status, 'failed');
  assert.match(m.get('14_0')?.reason ?? '', /time limit/);
  assert.deepEqual(m.get('15_2'), { status: 'unknown', raw: 'WEIRD' });
  assert.deepEqual(expandJobIds('9_[0-2%1]'), ['9_0', '9_1', '9_2']);
  assert.deepEqual(expandJobIds('9'), ['9']);
});

test('sacct -P: "CANCELLED by 0" is cancelled; requeue states are queued; node failure and OOM say what to do', () => {
  const m = parseSacct('20_0|CANCELLED by 0\n20_1|REQUEUED\n20_2|NODE_FAIL\n20_3|OUT_OF_MEMORY\n20_4|COMPLETING\n');
  assert.equal(m.get('20_0')?.status, 'cancelled');
  assert.equal(m.get('20_0')?.raw, 'CANCELLED');
  assert.equal(m.get('20_1')?.status, 'queued');
  assert.match(m.get('20_2')?.reason ?? '', /compute node failed.*Resume Run/);
  assert.match(m.get('20_3')?.reason ?? '', /executor\.slurm\.mem/);
  assert.equal(m.get('20_4')?.status, 'running');
  assert.equal(fromSlurmState('PREEMPTED').status, 'failed');
});

test('an array task cancelled while pending is listed under the array id: it takes that state', () => {
  const m = withArrayRecords(['31_0', '31_1', '32_0'], parseSqueue('31 CANCELLED\n31_1 RUNNING\n'));
  assert.equal(m.get('31_0')?.status, 'cancelled');
  assert.equal(m.get('31_1')?.status, 'running', 'a task with its own line keeps it');
  assert.equal(m.has('32_0'), false);
});

test('sbatch --parsable: the job id, with or without the cluster name; none in other text', () => {
  assert.equal(parseSbatchJobId('4242\n'), '4242');
  assert.equal(parseSbatchJobId('4242;medssltest\n'), '4242');
  assert.equal(parseSbatchJobId('Submitted batch job 4242\n'), null);
});
