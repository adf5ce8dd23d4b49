import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { JobManager, type Job, type JobManagerHost, type JobSpec } from '../../../src/extension/jobs/jobManager';
import { evaluateArgs, resumeArgs, trainArgs } from '../../../src/extension/jobs/jobArgs';
import { jobBlockedReason, UNTRUSTED_MESSAGE } from '../../../src/extension/jobs/trust';
import { workerLine } from '../../../src/protocol/workerStdout';

class FakeChild extends EventEmitter {
  stdout = new PassThrough();
  stderr = new PassThrough();
  killed: string[] = [];
  constructor(readonly pid: number) {
    super();
  }
  kill(sig: string) {
    this.killed.push(sig);
    return true;
  }
  exit(code: number | null, signal: string | null = null) {
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => this.emit('close', code, signal));
  }
}

function harness(opts: { max?: number; graceMs?: number } = {}) {
  const children: FakeChild[] = [];
  const logs: string[] = [];
  const finished: Job[] = [];
  const host: JobManagerHost = {
    spawn: (_spec: JobSpec) => {
      const c = new FakeChild(1000 + children.length);
      children.push(c);
      return c as unknown as ChildProcess;
    },
    maxConcurrent: () => opts.max ?? 1,
    graceMs: () => opts.graceMs ?? 50,
    log: (_j, l) => logs.push(l),
    changed: () => {},
    finished: (j) => finished.push(j),
  };
  return { jm: new JobManager(host), children, logs, finished };
}

const spec = (label: string): JobSpec => ({ label, args: ['run', `${label}.medssl.yaml`, '--json'], cwd: '/tmp' });
const tick = () => new Promise((r) => setImmediate(r));

test('the queue starts at most maxConcurrentJobs; the next starts when one ends', async () => {
  const { jm, children, finished } = harness({ max: 1 });
  const a = jm.enqueue(spec('a'));
  const b = jm.enqueue(spec('b'));
  assert.equal(a.state, 'running');
  assert.equal(b.state, 'queued');
  assert.equal(children.length, 1);
  children[0].exit(0);
  await tick();
  await tick();
  assert.equal(a.state, 'finished');
  assert.equal(a.result, 'completed');
  assert.equal(b.state, 'running');
  assert.equal(finished.length, 1);
});

test('JSON lines: the run line sets the run folder, progress events set progress', async () => {
  const { jm, children } = harness();
  const j = jm.enqueue(spec('a'));
  children[0].stdout.write(
    '{"type":"run","id":"r1","dir":"/runs/r1"}\n{"t":"x","step":3,"epoch":0,"type":"progress","totalSteps":10,"imagesPerSec":5,"etaSec',
  );
  children[0].stdout.write('":7}\n');
  await tick();
  assert.deepEqual(j.runDirs, ['/runs/r1']);
  assert.equal(j.runId, 'r1');
  assert.deepEqual(j.progress, { step: 3, totalSteps: 10, etaSec: 7, imagesPerSec: 5 });
});

test('Stop: SIGTERM, then SIGKILL after the grace period; the job reads cancelled', async () => {
  const { jm, children } = harness({ graceMs: 30 });
  const j = jm.enqueue(spec('a'));
  jm.stop(j);
  assert.deepEqual(children[0].killed, ['SIGTERM']);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(children[0].killed, ['SIGTERM', 'SIGKILL']);
  children[0].exit(null, 'SIGKILL');
  await tick();
  await tick();
  assert.equal(j.result, 'cancelled');
});

test('Stop after SIGTERM ends the job in time: no SIGKILL', async () => {
  const { jm, children } = harness({ graceMs: 40 });
  const j = jm.enqueue(spec('a'));
  jm.stop(j);
  children[0].exit(1);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(children[0].killed, ['SIGTERM']);
  assert.equal(j.result, 'cancelled');
});

test('Stop on a queued job removes it from the queue without spawning', () => {
  const { jm, children } = harness({ max: 1 });
  jm.enqueue(spec('a'));
  const b = jm.enqueue(spec('b'));
  jm.stop(b);
  assert.equal(b.state, 'finished');
  assert.equal(b.result, 'cancelled');
  assert.equal(children.length, 1);
});

test('a failing job reads failed with the error from run.json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-jm-'));
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      id: 'r',
      name: 'a',
      stage: 'pretrain',
      status: 'failed',
      host: 'h',
      started: 'x',
      configHash: 'c',
      codeVersion: 'v',
      error: { message: 'loss is NaN' },
    }),
  );
  const { jm, children } = harness();
  const j = jm.enqueue(spec('a'));
  children[0].stdout.write(workerLine({ type: 'run', id: 'r', dir }) + '\n');
  children[0].exit(1);
  await tick();
  await tick();
  assert.equal(j.result, 'failed');
  assert.equal(j.error, 'loss is NaN');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('attach follows a running run of a live process and finishes when run.json is terminal', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-jm-'));
  const run = {
    id: 'r',
    name: 'a',
    stage: 'pretrain',
    status: 'running',
    host: os.hostname(),
    pid: process.pid,
    started: 'x',
    configHash: 'c',
    codeVersion: 'v',
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  fs.writeFileSync(
    path.join(dir, 'events.jsonl'),
    JSON.stringify({ t: 'x', step: 2, epoch: 0, type: 'progress', totalSteps: 8, imagesPerSec: 3, etaSec: 9 }) + '\n',
  );
  const children: FakeChild[] = [];
  const finished: Job[] = [];
  const jm = new JobManager({
    spawn: () => {
      throw new Error('no');
    },
    maxConcurrent: () => 1,
    graceMs: () => 50,
    log: () => {},
    changed: () => {},
    finished: (j) => finished.push(j),
    pollMs: 20,
  });
  const j = jm.attach(dir, 'a');
  assert.ok(j);
  assert.equal(j.attached, true);
  assert.equal(j.progress?.step, 2);
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...run, status: 'completed' }));
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(j.result, 'completed');
  assert.equal(children.length, 0);
  jm.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Workspace Trust: no job in an untrusted workspace, with the reason', () => {
  assert.equal(jobBlockedReason(true), undefined);
  assert.equal(jobBlockedReason(false), UNTRUSTED_MESSAGE);
  assert.match(UNTRUSTED_MESSAGE, /untrusted workspace/);
  assert.match(UNTRUSTED_MESSAGE, /validated/);
});

test('CLI arguments: medssl.backend is passed as --set backend=… unless auto', () => {
  assert.deepEqual(trainArgs('/w/a.medssl.yaml', '/w/runs', 'auto'), ['run', '/w/a.medssl.yaml', '--json', '--runs-dir', '/w/runs']);
  assert.deepEqual(trainArgs('/w/a.medssl.yaml', '/w/runs', 'wasm').slice(-2), ['--set', 'backend=wasm']);
  assert.deepEqual(resumeArgs('/w/runs/r1', '/w/runs', 'cpu'), [
    'run',
    '--resume',
    '/w/runs/r1',
    '--json',
    '--runs-dir',
    '/w/runs',
    '--set',
    'backend=cpu',
  ]);
});

test('CLI arguments of Evaluate Checkpoint: medssl evaluate <runDir> --mode … --json --runs-dir …', () => {
  assert.deepEqual(evaluateArgs('/w/runs/r1', 'linear', '/w/runs', 'auto'), [
    'evaluate',
    '/w/runs/r1',
    '--mode',
    'linear',
    '--json',
    '--runs-dir',
    '/w/runs',
  ]);
  assert.deepEqual(evaluateArgs('/w/runs/r1', 'finetune', '/w/runs', 'wasm'), [
    'evaluate',
    '/w/runs/r1',
    '--mode',
    'finetune',
    '--json',
    '--runs-dir',
    '/w/runs',
    '--set',
    'backend=wasm',
  ]);
});

test('a worker that exits before a run folder (bad input, exit 2) fails with its own last message, not just the exit code', async () => {
  const { jm, children } = harness();
  const j = jm.enqueue(spec('a'));
  children[0].stdout.write(
    'warning: something harmless\nmedssl evaluate: /w/runs/r1: no complete checkpoint (checkpoints/latest) to evaluate\n',
  );
  children[0].exit(2);
  await tick();
  await tick();
  assert.equal(j.result, 'failed');
  assert.equal(j.exitCode, 2);
  assert.equal(j.error, 'medssl evaluate: /w/runs/r1: no complete checkpoint (checkpoints/latest) to evaluate');
  const k = jm.enqueue(spec('b'));
  children[1].exit(3);
  await tick();
  await tick();
  assert.equal(k.error, 'exit 3', 'no output: the exit code');
});
