import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/core/config';
import { createRun, listRuns, readEvents, readRun, RunReadError, runLiveness, type RunJson } from '../../../src/core/runs';

function tmpRunsDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-read-'));
}

test('readEvents tolerates a truncated last line and resumes from the returned byte offset', () => {
  const runsDir = tmpRunsDir();
  try {
    const w = createRun(runsDir, defaultConfig('tail'), 'pretrain', { markFailedOnExit: false });
    w.scalar(1, 0, 'loss/total', 5.5);
    const first = readEvents(w.dir);
    assert.equal(first.events.length, 2);
    const file = path.join(w.dir, 'events.jsonl');
    assert.equal(first.nextByte, fs.statSync(file).size);
    // A writer in the middle of a line (or killed there): the partial line is not consumed.
    const line = JSON.stringify({ t: new Date().toISOString(), step: 2, epoch: 0, type: 'scalar', name: 'loss/total', value: 4.25 }) + '\n';
    fs.appendFileSync(file, line.slice(0, 20));
    const partial = readEvents(w.dir, first.nextByte);
    assert.deepEqual(partial.events, []);
    assert.equal(partial.nextByte, first.nextByte);
    fs.appendFileSync(file, line.slice(20));
    const rest = readEvents(w.dir, partial.nextByte);
    assert.equal(rest.events.length, 1);
    assert.equal(rest.events[0].type === 'scalar' && rest.events[0].value, 4.25);
    assert.equal(rest.nextByte, fs.statSync(file).size);
    // Multi-byte characters and a corrupt complete line.
    w.log('info', 'µ-Schritt ✓');
    fs.appendFileSync(file, 'not json\n');
    w.log('warn', 'after');
    const more = readEvents(w.dir, rest.nextByte);
    assert.deepEqual(more.events.map((e) => (e.type === 'log' ? e.message : e.type)), ['µ-Schritt ✓', 'after']);
    assert.equal(more.badLines.length, 1);
    assert.equal(readEvents(w.dir).events.length, 5);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('listRuns: newest first, skips temporary and foreign folders, lists a broken run.json with its error', () => {
  const runsDir = tmpRunsDir();
  try {
    const a = createRun(runsDir, defaultConfig('a'), 'pretrain', { now: () => new Date('2026-01-01T00:00:00Z'), markFailedOnExit: false });
    const b = createRun(runsDir, defaultConfig('b'), 'linear', { now: () => new Date('2026-02-01T00:00:00Z'), markFailedOnExit: false });
    a.complete();
    fs.mkdirSync(path.join(runsDir, '.tmp-20260301T000000Z-c.1.abcd'));
    fs.writeFileSync(path.join(runsDir, '.tmp-20260301T000000Z-c.1.abcd', 'run.json'), '{}');
    fs.mkdirSync(path.join(runsDir, 'notes'));
    fs.mkdirSync(path.join(runsDir, '20260401T000000Z-broken'));
    fs.writeFileSync(path.join(runsDir, '20260401T000000Z-broken', 'run.json'), '{"id": ');
    const runs = listRuns(runsDir);
    assert.deepEqual(runs.map((r) => r.id), ['20260401T000000Z-broken', b.id, a.id]);
    assert.match(runs[0].error ?? '', /not valid JSON/);
    assert.equal(runs[1].run?.status, 'running');
    assert.equal(runs[2].run?.status, 'completed');
    assert.deepEqual(listRuns(path.join(runsDir, 'missing')), []);
    assert.throws(() => readRun(path.join(runsDir, 'notes')), RunReadError);
    assert.throws(() => readRun(path.join(runsDir, 'notes')), /no run\.json/);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('runLiveness: alive for this process, dead for a gone pid or a finished run, unknown elsewhere', () => {
  const base: RunJson = { id: 'x', name: 'x', stage: 'pretrain', status: 'running', host: os.hostname(), pid: process.pid, started: '', configHash: '', codeVersion: '' };
  assert.equal(runLiveness(base), 'alive');
  assert.equal(runLiveness({ ...base, pid: 2 ** 22 + 12345 }), 'dead');
  assert.equal(runLiveness({ ...base, status: 'completed' }), 'dead');
  assert.equal(runLiveness({ ...base, host: 'elsewhere' }), 'unknown');
  assert.equal(runLiveness({ ...base, pid: undefined }), 'unknown');
});
