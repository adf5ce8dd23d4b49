// The Slurm executor against a recorded command runner: submission order (held, ids recorded, released),
// errors said plainly, states from squeue then sacct, scancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  SBATCH_MISSING,
  SlurmExecutor,
  translateSlurmFailure,
  withSlurmDefaults,
  type CommandResult,
  type CommandRunner,
} from '../../../src/core/exec';

type Call = { cmd: string; args: string[]; input?: string };
function recorder(answers: Record<string, Partial<CommandResult> | ((c: Call) => Partial<CommandResult>)>): {
  run: CommandRunner;
  calls: Call[];
} {
  const calls: Call[] = [];
  const run: CommandRunner = async (cmd, args, input) => {
    const c = { cmd, args, input };
    calls.push(c);
    const a = answers[cmd];
    const r = typeof a === 'function' ? a(c) : a;
    return { code: 0, stdout: '', stderr: '', ...(r ?? {}) };
  };
  return { run, calls };
}
function batch() {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-slurmex-'));
  const runDirs = ['a', 'b'].map((n) => fs.mkdirSync(path.join(runsDir, n), { recursive: true }) ?? path.join(runsDir, n));
  return { name: 'x', runDirs, runsDir, tag: 't1', cwd: runsDir };
}
const paths = { node: '/usr/bin/node', cli: '/opt/cli.js' };

test('submit: sbatch --parsable --hold with the script on stdin, ids recorded before scontrol release, script and task links kept', async () => {
  const { run, calls } = recorder({ sbatch: { stdout: '901;c\n' } });
  const b = batch();
  const seen: string[] = [];
  const ids = await new SlurmExecutor(withSlurmDefaults({}), paths, run).submit(b, (i) => {
    seen.push(...i);
    assert.deepEqual(
      calls.map((c) => c.cmd),
      ['sbatch'],
      'ids recorded while the array is still held',
    );
  });
  assert.deepEqual(ids, ['901_0', '901_1']);
  assert.deepEqual(seen, ids);
  assert.deepEqual(
    calls.map((c) => [c.cmd, ...c.args]),
    [
      ['sbatch', '--parsable', '--hold'],
      ['scontrol', 'release', '901'],
    ],
  );
  assert.match(calls[0].input ?? '', /^#SBATCH --array=0-1$/m);
  assert.equal(fs.readFileSync(path.join(b.runsDir, '.slurm', 't1', 'job.sbatch'), 'utf8'), calls[0].input);
  assert.equal(fs.realpathSync(path.join(b.runsDir, '.slurm', 't1', '1')), fs.realpathSync(b.runDirs[1]));
});

test('submit: a rejection is said plainly; a failed release cancels the held array', async () => {
  const rejected = recorder({ sbatch: { code: 1, stderr: 'sbatch: error: invalid partition name specified\n' } });
  await assert.rejects(
    new SlurmExecutor(withSlurmDefaults({ partition: 'big' }), paths, rejected.run).submit(batch(), () => undefined),
    /^ExecutorError: partition 'big' is unknown to the cluster .*Slurm said: invalid partition name specified$/,
  );
  const noRelease = recorder({ sbatch: { stdout: '5\n' }, scontrol: { code: 1, stderr: 'scontrol: error: Access/permission denied\n' } });
  await assert.rejects(
    new SlurmExecutor(withSlurmDefaults({}), paths, noRelease.run).submit(batch(), () => undefined),
    /scontrol failed: Access\/permission denied/,
  );
  assert.deepEqual(
    noRelease.calls.map((c) => c.cmd),
    ['sbatch', 'scontrol', 'scancel'],
  );
});

test('errors: sbatch missing, ssh unreachable, resources, generic rejection', () => {
  const enoent = Object.assign(new Error('spawn sbatch ENOENT'), { code: 'ENOENT' });
  assert.equal(
    translateSlurmFailure('sbatch', { code: null, stdout: '', stderr: '', spawnError: enoent }, {} as never).message,
    SBATCH_MISSING,
  );
  assert.equal(SBATCH_MISSING, 'sbatch not found on PATH — is this a Slurm login node? set medssl.slurm.ssh to submit over SSH');
  assert.match(
    translateSlurmFailure('sbatch', { code: 255, stdout: '', stderr: 'ssh: Could not resolve hostname login1\n' }, {
      ssh: 'login1',
    } as never).message,
    /could not reach the login node 'login1' over SSH .*Could not resolve hostname/,
  );
  assert.match(
    translateSlurmFailure(
      'sbatch',
      { code: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Requested node configuration is not available\n' },
      { gpus: 8, cpus: 4 } as never,
    ).message,
    /no node of the partition has what the job asks \(gpus 8, cpus 4\)/,
  );
  assert.equal(
    translateSlurmFailure('sbatch', { code: 1, stdout: '', stderr: 'sbatch: error: QOSMaxSubmitJobPerUserLimit\n' }, {} as never).message,
    'the cluster rejected the job: QOSMaxSubmitJobPerUserLimit',
  );
});

test('states: squeue first, sacct for the ids squeue has forgotten (its exit 1 is not an error); scancel', async () => {
  const { run, calls } = recorder({
    squeue: { stdout: '7_0 RUNNING\n' },
    sacct: { stdout: '7_1|TIMEOUT\n' },
    scancel: (c) => (c.args.includes('bad') ? { code: 1, stderr: 'scancel: error: Invalid job id bad\n' } : {}),
  });
  const ex = new SlurmExecutor(withSlurmDefaults({}), paths, run);
  const s = await ex.states(['7_0', '7_1', '8_0']);
  assert.equal(s.get('7_0')?.status, 'running');
  assert.equal(s.get('7_1')?.status, 'failed');
  assert.equal(s.get('8_0')?.status, 'unknown');
  assert.deepEqual(calls[0].args, ['-h', '-r', '-t', 'all', '-o', '%i %T', '-j', '7,8']);
  assert.deepEqual(calls[1].args.slice(-1), ['7,8']);
  await ex.cancel(['7_0']);
  assert.deepEqual(calls.at(-1)?.args, ['7_0']);
  await assert.rejects(ex.cancel(['bad']), /scancel failed: Invalid job id bad/);
  const gone = recorder({ squeue: { code: 1, stderr: 'slurm_load_jobs error: Invalid job id specified' }, sacct: { code: 1 } });
  assert.equal((await new SlurmExecutor(withSlurmDefaults({}), paths, gone.run).states(['3_0'])).get('3_0')?.status, 'unknown');
});
