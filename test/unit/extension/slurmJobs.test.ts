// The extension's Slurm glue without vscode: settings → `medssl submit` arguments, reading its output,
// following cluster runs (a queued run whose job was cancelled in the queue is marked cancelled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { defaultConfig } from '../../../src/core/config';
import { readRun } from '../../../src/core/runs';
import { createQueuedRuns, recordJobIds } from '../../../src/core/exec';
import {
  followClusterRuns,
  isClusterRun,
  lastError,
  parseSubmitOutput,
  slurmSetArgs,
  submitArgs,
} from '../../../src/extension/jobs/slurmJobs';

test('settings → --set executor.slurm.* for the non-empty ones only', () => {
  assert.deepEqual(
    slurmSetArgs({
      partition: ' gpu ',
      gpus: 1,
      cpus: null,
      mem: '',
      time: '02:00:00',
      account: '',
      extraLines: ['module load cuda'],
      ssh: 'login1',
      node: '',
    }),
    [
      '--set',
      'executor.kind=slurm',
      '--set',
      'executor.slurm.partition=gpu',
      '--set',
      'executor.slurm.time=02:00:00',
      '--set',
      'executor.slurm.ssh=login1',
      '--set',
      'executor.slurm.gpus=1',
      '--set',
      'executor.slurm.extraLines=["module load cuda"]',
    ],
  );
  assert.deepEqual(submitArgs('/w/a.medssl.yaml', '/w/runs', {}, 'wasm'), [
    'submit',
    '/w/a.medssl.yaml',
    '--runs-dir',
    '/w/runs',
    '--json',
    '--set',
    'executor.kind=slurm',
    '--set',
    'backend=wasm',
  ]);
});

test('the arguments are accepted by the real CLI (medssl validate takes the same --set)', () => {
  const cli = path.resolve(__dirname, '../../../../dist/cli.js');
  const example = path.resolve(__dirname, '../../../../examples/smoke.medssl.yaml');
  const sets = slurmSetArgs({
    partition: 'gpu',
    gpus: 2,
    cpus: 4,
    mem: '16G',
    time: '1-00:00:00',
    account: 'lab',
    extraLines: ['#SBATCH --qos=short'],
    ssh: 'login1',
    node: '/opt/node/bin/node',
  });
  const r = spawnSync(process.execPath, [cli, 'validate', example, ...sets], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const bad = spawnSync(process.execPath, [cli, 'validate', example, ...slurmSetArgs({ mem: 'lots' })], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /executor\.slurm\.mem: must be a number with an optional K, M, G or T suffix/);
});

test('submit output and errors: the submitted lines; the last meaningful stderr line without the medssl prefix', () => {
  const out = '{"type":"submitted","executor":"slurm","id":"r1","dir":"/runs/r1","clusterJobId":"5_0"}\nnot json\n{"type":"state"}\n';
  assert.deepEqual(parseSubmitOutput(out), [{ id: 'r1', dir: '/runs/r1', clusterJobId: '5_0' }]);
  assert.equal(
    lastError("warning: No GPU\nmedssl submit: partition 'x' is unknown to the cluster\n"),
    "medssl submit: partition 'x' is unknown to the cluster",
  );
  assert.equal(lastError('medssl: unknown command\n\n'), 'unknown command');
  assert.equal(isClusterRun({ clusterJobId: '5_0' }), true);
  assert.equal(isClusterRun({}), false);
});

test('followClusterRuns: a local-executor run whose task shell is gone while queued is marked cancelled; final runs are skipped', async () => {
  const b = createQueuedRuns(
    fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-follow-')),
    [{ config: defaultConfig('f'), configPath: 'f.yaml' }],
    '/',
  );
  // a pid that has certainly ended: a child that already exited
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  recordJobIds(b.runDirs, [`local-${dead}_0`]);
  const r = await followClusterRuns(b.runDirs, '/opt/cli.js');
  assert.deepEqual(r, { changed: 1, errors: [] });
  assert.equal(readRun(b.runDirs[0]).status, 'cancelled');
  assert.deepEqual(await followClusterRuns(b.runDirs, '/opt/cli.js'), { changed: 0, errors: [] });
});
