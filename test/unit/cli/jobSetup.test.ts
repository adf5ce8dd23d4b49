import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentConfig } from '../../../src/core/config/types';
import type { RunEvent } from '../../../src/core/runs';
import { backendForJob, heldJsonEvents } from '../../../src/cli/commands/jobSetup';

const ev = (message: string): RunEvent => ({ t: '2026-11-27T00:00:00.000Z', step: 0, epoch: 0, type: 'log', level: 'info', message });

test('--json: events before release() are held, in order, then printed; later ones go straight out', () => {
  const out: string[] = [];
  const h = heldJsonEvents(true, (s) => out.push(s));
  h.onEvent!(ev('a'));
  h.onEvent!(ev('b'));
  assert.equal(out.length, 0);
  out.push('{"type":"run"}');
  h.release();
  h.onEvent!(ev('c'));
  assert.deepEqual(
    out.map((l) => (l.startsWith('{"type":"run"') ? 'run' : (JSON.parse(l) as { message: string }).message)),
    ['run', 'a', 'b', 'c'],
  );
});

test('without --json there is no event listener and release() prints nothing', () => {
  const out: string[] = [];
  const h = heldJsonEvents(false, (s) => out.push(s));
  assert.equal(h.onEvent, undefined);
  h.release();
  assert.equal(out.length, 0);
});

test('backendForJob: the cpu backend is chosen; an unknown one is refused with the command and the reason', async () => {
  const err: string[] = [];
  const cpu = await backendForJob({ backend: 'cpu' } as ExperimentConfig, 'medssl run', (s) => err.push(s));
  assert.equal(cpu?.backend, 'cpu');
  const bad = await backendForJob({ backend: 'tpu' } as unknown as ExperimentConfig, 'medssl evaluate', (s) => err.push(s));
  assert.equal(bad, undefined);
  assert.match(err[err.length - 1], /^medssl evaluate: backend 'tpu': /);
});
