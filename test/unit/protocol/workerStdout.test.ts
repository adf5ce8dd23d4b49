import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { eventToJsonLine, type RunEvent } from '../../../src/core/runs';
import { isRunEvent, parseWorkerLine, workerLine, type WorkerStdoutLine } from '../../../src/protocol/workerStdout';

test('the CLI lines round-trip: run folder, submitted, state', () => {
  const lines: WorkerStdoutLine[] = [
    { type: 'run', id: 'r1', dir: '/runs/r1' },
    { type: 'run', id: 'r2', dir: '/runs/r2', source: { runId: 'r1', dir: '/runs/r1', checkpoint: 'checkpoints/40' } },
    { type: 'submitted', executor: 'slurm', id: 'r3', dir: '/runs/r3', clusterJobId: '7_0' },
    { type: 'state', id: 'r3', dir: '/runs/r3', clusterJobId: '7_0', status: 'running', cluster: 'RUNNING' },
  ];
  for (const l of lines) {
    const back = parseWorkerLine(workerLine(l as Exclude<WorkerStdoutLine, RunEvent>));
    assert.deepEqual(back, l);
    assert.equal(isRunEvent(back!), false);
  }
});

test('run events as the writer prints them are events again, non-finite scalars included', () => {
  const events: RunEvent[] = [
    { t: '2026-01-01T00:00:00Z', step: 3, epoch: 0, type: 'scalar', name: 'loss', value: 1.5 },
    { t: '2026-01-01T00:00:01Z', step: 4, epoch: 0, type: 'progress', totalSteps: 10, imagesPerSec: 2, etaSec: 3 },
    { t: '2026-01-01T00:00:02Z', step: 4, epoch: 0, type: 'status', status: 'cancelled', message: 'stopped' },
  ];
  for (const e of events) {
    const back = parseWorkerLine(eventToJsonLine(e));
    assert.ok(back && isRunEvent(back));
    assert.deepEqual(back, e);
  }
  const nan = parseWorkerLine(eventToJsonLine({ t: 'x', step: 1, epoch: 0, type: 'scalar', name: 'loss', value: NaN }));
  assert.ok(nan && isRunEvent(nan) && nan.type === 'scalar' && Number.isNaN(nan.value));
  const inf = parseWorkerLine(eventToJsonLine({ t: 'x', step: 1, epoch: 0, type: 'scalar', name: 'loss', value: -Infinity }));
  assert.ok(inf && isRunEvent(inf) && inf.type === 'scalar' && inf.value === -Infinity);
});

test('anything else is not a worker line: text, warnings, broken JSON, other shapes', () => {
  for (const line of [
    '',
    'warning: No GPU found',
    '{"type":"run"',
    '[1,2]',
    '{"type":"run","dir":"/runs/r1"}', // no id
    '{"type":"submitted","dir":"/runs/r1"}', // no job id
    '{"type":"state"}',
    '{"type":"scalar","name":"loss","value":1}', // an event without its time
    '{"t":"x","type":"weather","step":1}', // not an event type
  ]) {
    assert.equal(parseWorkerLine(line), undefined, line);
  }
  assert.deepEqual(parseWorkerLine('  {"type":"run","id":"a","dir":"/d"}  '), { type: 'run', id: 'a', dir: '/d' });
});
