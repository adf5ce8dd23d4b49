// reopenRun: the one sanctioned way back to 'running' (medssl run --resume).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/core/config';
import { createRun, readEvents, readRun, reopenRun, RunStateError, type RunEvent } from '../../../src/core/runs';
import { writeJsonAtomic } from '../../../src/core/runs/atomic';

function newRun(end: (w: ReturnType<typeof createRun>) => void): string {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-reopen-'));
  const w = createRun(runsDir, defaultConfig('r'), 'pretrain', { markFailedOnExit: false });
  end(w);
  return w.dir;
}
const statusEvents = (dir: string) => (readEvents(dir).events as RunEvent[]).filter((e): e is Extract<RunEvent, { type: 'status' }> => e.type === 'status');

for (const from of ['cancelled', 'failed'] as const) {
  test(`reopenRun: ${from} → running, with "resumed from checkpoint N", then it can finish`, () => {
    const dir = newRun((w) => (from === 'failed' ? w.fail('boom', 'step 3') : w.cancel('stop')));
    fs.mkdirSync(path.join(dir, 'checkpoints', '4'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'checkpoints', 'latest'), '4\n');
    const before = readRun(dir);
    const w = reopenRun(dir, { markFailedOnExit: false });
    const run = readRun(dir);
    assert.equal(run.status, 'running');
    assert.equal(run.id, before.id);
    assert.equal(run.started, before.started);
    assert.equal(run.pid, process.pid);
    assert.equal(run.ended, undefined);
    assert.equal(run.error, undefined);
    const last = statusEvents(dir).at(-1)!;
    assert.equal(last.status, 'running');
    assert.match(last.message ?? '', new RegExp(`resumed from checkpoint 4 \\(was ${from}\\)`));
    w.complete();
    assert.equal(readRun(dir).status, 'completed');
  });
}

test('reopenRun: never completed → running; the folder is left untouched', () => {
  const dir = newRun((w) => w.complete());
  const text = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
  const events = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  assert.throws(() => reopenRun(dir, { markFailedOnExit: false }), (e: unknown) => e instanceof RunStateError && /'completed' is final/.test(e.message));
  assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), text);
  assert.equal(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8'), events);
});

test('reopenRun: a live running run is refused; a running run whose process is gone (kill -9) is reopened', () => {
  const dir = newRun(() => {});
  assert.throws(() => reopenRun(dir, { markFailedOnExit: false }), /still running/); // this process is alive
  const run = readRun(dir);
  writeJsonAtomic(path.join(dir, 'run.json'), { ...run, pid: 2 ** 22 + 12345 }); // no such process
  const w = reopenRun(dir, { markFailedOnExit: false });
  assert.equal(readRun(dir).status, 'running');
  assert.match(statusEvents(dir).at(-1)!.message ?? '', /no complete checkpoint.*process \d+ is gone/);
  w.cancel();
});

test('the ordinary transition table still forbids cancelled → running', () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-reopen-'));
  const w = createRun(runsDir, defaultConfig('r'), 'pretrain', { markFailedOnExit: false });
  w.cancel();
  assert.throws(() => w.update({ status: 'running' }), RunStateError);
});
