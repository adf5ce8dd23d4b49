// The job script of a submission: #SBATCH options from the slurm section, and what the script runs for
// each array index (executed with bash and a stand-in for node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExecutorError, renderSbatchScript, sbatchOptions, withSlurmDefaults, type PreparedBatch } from '../../../src/core/exec';

const batch = (runDirs: string[], runsDir = '/scratch/runs'): PreparedBatch => ({
  name: 'abl',
  runDirs,
  runsDir,
  tag: 'T1',
  cwd: '/work/exp',
});

test('sbatch options: one array over the runs, requeue, append, output in each run folder, resources from the config', () => {
  const opts = sbatchOptions(
    batch(['/r/a', '/r/b', '/r/c']),
    withSlurmDefaults({ partition: 'gpu', gpus: 2, cpus: 8, mem: '32G', time: '04:00:00', account: 'lab42' }),
  );
  assert.deepEqual(opts, [
    '--job-name=medssl-abl',
    '--array=0-2',
    '--requeue',
    '--open-mode=append',
    '--output=/scratch/runs/.slurm/T1/%a/slurm-%A_%a.out',
    '--signal=B:USR1@60',
    '--cpus-per-task=8',
    '--partition=gpu',
    '--gres=gpu:2',
    '--mem=32G',
    '--time=04:00:00',
    '--account=lab42',
  ]);
  const plain = sbatchOptions(batch(['/r/a']), withSlurmDefaults({ signalSeconds: 120 }));
  assert.ok(plain.includes('--array=0-0'));
  assert.ok(plain.includes('--signal=B:USR1@120'));
  assert.equal(plain.filter((o) => /^--(partition|gres|mem|time|account)=/.test(o)).length, 0, 'absent settings are left to the cluster');
  assert.ok(sbatchOptions(batch(['/r/a']), withSlurmDefaults({ time: 240 })).includes('--time=240'), 'minutes as a number');
});

test('the script: #SBATCH header, then the extra lines, then the task; a runs folder with a blank is refused by name', () => {
  const s = renderSbatchScript(batch(['/r/a']), withSlurmDefaults({ extraLines: ['module load cuda/12.2', '#SBATCH --qos=short'] }), {
    node: '/usr/bin/node',
    cli: '/opt/medssl/dist/cli.js',
  });
  const lines = s.split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  const lastSbatch = lines.map((l) => l.startsWith('#SBATCH ')).lastIndexOf(true);
  assert.equal(lines[lastSbatch], '#SBATCH --qos=short');
  assert.equal(lines[lastSbatch - 1], 'module load cuda/12.2');
  assert.ok(lines.indexOf('set -u') > lastSbatch);
  assert.equal(spawnSync('bash', ['-n'], { input: s }).status, 0, 'valid bash');
  assert.throws(
    () => sbatchOptions(batch(['/r/a'], '/my runs'), withSlurmDefaults({})),
    (e: Error) => e instanceof ExecutorError && /'\/my runs' has a blank/.test(e.message),
  );
  assert.throws(() => sbatchOptions(batch([]), withSlurmDefaults({})), /no run folders/);
});

function runScript(index: number, extraEnv: Record<string, string> = {}): { log: string; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-sbatch-'));
  const fakeNode = path.join(dir, 'node');
  const log = path.join(dir, 'calls');
  fs.writeFileSync(fakeNode, `#!/bin/sh\necho "$@" >> '${log}'\nexit 0\n`, { mode: 0o755 });
  const runDirs = [path.join(dir, "run 'zero'"), path.join(dir, 'run-one')];
  const s = renderSbatchScript({ name: 'x', runDirs, runsDir: dir, tag: 't', cwd: dir }, withSlurmDefaults({}), {
    node: fakeNode,
    cli: '/opt/cli.js',
  });
  const r = spawnSync('bash', ['-s'], {
    input: s,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SLURM_ARRAY_JOB_ID: '77', SLURM_ARRAY_TASK_ID: String(index), ...extraEnv },
  });
  assert.equal(r.status, 0, r.stderr);
  return { log: fs.readFileSync(log, 'utf8'), out: r.stdout };
}

test('task i of the array runs `medssl task` on run folder i (quoted), and says which restart it is', () => {
  const a = runScript(0);
  assert.match(a.log, /^\/opt\/cli\.js task .*run 'zero'\n$/);
  assert.match(a.out, /Slurm job 77_0 .* restart 0, run folder .*run 'zero'/);
  const b = runScript(1, { SLURM_RESTART_COUNT: '2' });
  assert.match(b.log, /^\/opt\/cli\.js task .*run-one\n$/);
  assert.match(b.out, /restart 2/);
});
