import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { configHash, defaultConfig } from '../../../src/core/config';
import { createRun, eventToJsonLine, readEvents, readRun, RunStateError, runIdFor, type RunEvent } from '../../../src/core/runs';

function tmpRunsDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
}
const fixedClock = (iso: string) => () => new Date(iso);
const noTemp = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => path.basename(f).startsWith('.tmp-'));

test('createRun writes run.json (running), the resolved config.yaml and events.jsonl', () => {
  const runsDir = tmpRunsDir();
  try {
    const config = defaultConfig('life');
    const seen: RunEvent[] = [];
    const w = createRun(runsDir, config, 'pretrain', { now: fixedClock('2026-01-02T03:04:05.678Z'), onEvent: (e) => seen.push(e), markFailedOnExit: false, codeVersion: '9.9.9' });
    assert.equal(w.id, '20260102T030405Z-life');
    assert.equal(w.dir, path.join(runsDir, w.id));
    const run = readRun(w.dir);
    assert.equal(run.status, 'running');
    assert.equal(run.stage, 'pretrain');
    assert.equal(run.name, 'life');
    assert.equal(run.pid, process.pid);
    assert.equal(run.host, os.hostname());
    assert.equal(run.started, '2026-01-02T03:04:05.678Z');
    assert.equal(run.configHash, configHash(config));
    assert.equal(run.codeVersion, '9.9.9');
    const yamlText = fs.readFileSync(path.join(w.dir, 'config.yaml'), 'utf8');
    assert.match(yamlText, /^# Resolved config/);
    assert.deepEqual(parse(yamlText), config);
    assert.deepEqual(fs.readdirSync(w.dir).sort(), ['config.yaml', 'events.jsonl', 'run.json']);

    w.scalar(1, 0, 'loss/total', 6.5);
    w.log('info', 'hello');
    w.event({ step: 2, epoch: 0, type: 'progress', totalSteps: 10, imagesPerSec: 12.5, etaSec: 3 });
    w.scalar(2, 0, 'loss/local', NaN);
    const p = w.writeJson('diagnostics/2.json', { rank: 3 }, 'diagnostics');
    assert.equal(p, path.join(w.dir, 'diagnostics', '2.json'));
    assert.deepEqual(JSON.parse(fs.readFileSync(p, 'utf8')), { rank: 3 });
    w.update({ backend: { requested: 'auto', backend: 'wasm', device: 'CPU (WebAssembly)', skipped: [] } });
    assert.equal(readRun(w.dir).backend?.backend, 'wasm');
    w.complete();

    const { events } = readEvents(w.dir);
    assert.deepEqual(events.map((e) => e.type), ['status', 'scalar', 'log', 'progress', 'scalar', 'artifact', 'status']);
    assert.deepEqual(seen, events);
    assert.deepEqual(fs.readFileSync(path.join(w.dir, 'events.jsonl'), 'utf8').split('\n').slice(0, -1), seen.map(eventToJsonLine));
    const log = events[2];
    assert.equal(log.type === 'log' && log.step, 1, 'log takes the last step');
    const nan = events[4];
    assert.ok(nan.type === 'scalar' && Number.isNaN(nan.value));
    assert.deepEqual(events[5], { t: '2026-01-02T03:04:05.678Z', step: 2, epoch: 0, type: 'artifact', path: 'diagnostics/2.json', kind: 'diagnostics' });
    assert.deepEqual(events[6], { t: '2026-01-02T03:04:05.678Z', step: 2, epoch: 0, type: 'status', status: 'completed', message: 'completed' });
    const done = readRun(w.dir);
    assert.equal(done.status, 'completed');
    assert.equal(done.ended, '2026-01-02T03:04:05.678Z');
    assert.deepEqual(noTemp(runsDir), []);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('terminal states are final; the id cannot change; fail records the error', () => {
  const runsDir = tmpRunsDir();
  try {
    const w = createRun(runsDir, defaultConfig('term'), 'pretrain', { markFailedOnExit: false });
    w.fail('loss/local is NaN at step 7', 'step 7');
    assert.deepEqual(readRun(w.dir).error, { message: 'loss/local is NaN at step 7', where: 'step 7' });
    assert.throws(() => w.complete(), RunStateError);
    assert.throws(() => w.cancel(), /cannot change from 'failed' to 'cancelled' \('failed' is final\)/);
    assert.throws(() => w.update({ status: 'running' }), RunStateError);
    assert.throws(() => w.event({ step: 0, epoch: 0, type: 'status', status: 'running' }), RunStateError);
    assert.throws(() => w.update({ id: 'other' }), /cannot change/);
    assert.equal(readRun(w.dir).status, 'failed');
    const q = createRun(runsDir, defaultConfig('queued'), 'pretrain', { status: 'queued', pid: null, clusterJobId: '1234', markFailedOnExit: false });
    assert.equal(readRun(q.dir).pid, undefined);
    q.update({ status: 'running', pid: 42 });
    assert.equal(readRun(q.dir).status, 'running');
    q.cancel('stopped by the user');
    assert.equal(readRun(q.dir).status, 'cancelled');
    assert.throws(() => q.update({ status: 'queued' }), RunStateError);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('run ids are unique: a collision gets a suffix', () => {
  const runsDir = tmpRunsDir();
  try {
    const now = fixedClock('2026-03-04T05:06:07Z');
    const a = createRun(runsDir, defaultConfig('same'), 'pretrain', { now, markFailedOnExit: false });
    const b = createRun(runsDir, defaultConfig('same'), 'pretrain', { now, markFailedOnExit: false });
    const c = createRun(runsDir, defaultConfig('same'), 'pretrain', { now, markFailedOnExit: false });
    assert.equal(a.id, '20260304T050607Z-same');
    assert.equal(b.id, '20260304T050607Z-same-2');
    assert.equal(c.id, '20260304T050607Z-same-3');
    assert.equal(readRun(c.dir).id, c.id);
    assert.equal(runIdFor('x', new Date('2026-12-31T23:59:59.999Z')), '20261231T235959Z-x');
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('atomic writes leave no temporary files; paths must stay inside the run folder', () => {
  const runsDir = tmpRunsDir();
  try {
    const w = createRun(runsDir, defaultConfig('atomic'), 'pretrain', { markFailedOnExit: false });
    for (let i = 0; i < 20; i++) {
      w.writeBytes(`checkpoints/${i}/weights.bin`, new Uint8Array([i, i + 1]), 'checkpoint', i, 0);
      w.writeBytes('checkpoints/latest', new TextEncoder().encode(String(i)), 'checkpoint-pointer', i, 0);
      w.update({ clusterJobId: `job-${i}` });
    }
    assert.equal(fs.readFileSync(path.join(w.dir, 'checkpoints', 'latest'), 'utf8'), '19');
    assert.deepEqual(noTemp(runsDir), []);
    assert.throws(() => w.writeJson('../escape.json', {}, 'x'), /not a path inside the run folder/);
    assert.throws(() => w.writeJson('/etc/x.json', {}, 'x'), /not a path inside the run folder/);
    assert.throws(() => w.writeJson('run.json', {}, 'x'), /managed by the run writer/);
    w.complete();
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('a process that exits while its run is running leaves the run failed, not alive', async () => {
  const runsDir = tmpRunsDir();
  try {
    // A child that creates a run and dies of an uncaught error.
    const writerModule = path.resolve(__dirname, '../../../src/core/runs/index.js');
    const configModule = path.resolve(__dirname, '../../../src/core/config/index.js');
    const script = `
      const { createRun } = require(${JSON.stringify(writerModule)});
      const { defaultConfig } = require(${JSON.stringify(configModule)});
      const w = createRun(${JSON.stringify(runsDir)}, defaultConfig('crash'), 'pretrain');
      w.scalar(3, 0, 'loss/total', 1);
      throw new Error('boom');`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    const [dir] = fs.readdirSync(runsDir);
    const run = readRun(path.join(runsDir, dir));
    assert.equal(run.status, 'failed');
    assert.match(run.error?.message ?? '', /process exited \(code 1\) before the run finished/);
    const last = readEvents(path.join(runsDir, dir)).events.at(-1);
    assert.equal(last?.type, 'status');
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});
