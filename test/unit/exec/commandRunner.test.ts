// Running Slurm's commands: here (stdin passed, a missing program answered at once) or over ssh (quoted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLine, processRunner, shellQuote } from '../../../src/core/exec';

test('processRunner: stdin reaches the program; exit code and output come back', async () => {
  const r = await processRunner()('sh', ['-c', 'cat; echo oops >&2; exit 3'], '#!/bin/bash\necho hi\n');
  assert.deepEqual([r.code, r.stdout, r.stderr, r.spawnError], [3, '#!/bin/bash\necho hi\n', 'oops\n', undefined]);
});

test('processRunner: a program not on PATH is an ENOENT answer, not an exception', async () => {
  const r = await processRunner()('medssl-no-such-sbatch', ['--parsable']);
  assert.equal(r.code, null);
  assert.equal(r.spawnError?.code, 'ENOENT');
});

test('over ssh: BatchMode, one quoted command line for the remote shell', () => {
  assert.deepEqual(commandLine('squeue', ['-o', '%i %T']), ['squeue', ['-o', '%i %T']]);
  assert.deepEqual(commandLine('scancel', ['12_0'], 'me@login1'), ['ssh', ['-o', 'BatchMode=yes', 'me@login1', '--', 'scancel 12_0']]);
  assert.equal(commandLine('squeue', ['-o', '%i %T'], 'login1')[1][4], "squeue -o '%i %T'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

test('over ssh with sshOptions: they come after BatchMode and before the host (port, known hosts, ProxyJump)', () => {
  const opts = ['-p', '2222', '-o', 'UserKnownHostsFile=/tmp/known hosts', '-J', 'gate'];
  assert.deepEqual(commandLine('sbatch', ['--parsable', '--hold'], 'me@login1', opts), [
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-p',
      '2222',
      '-o',
      'UserKnownHostsFile=/tmp/known hosts',
      '-J',
      'gate',
      'me@login1',
      '--',
      'sbatch --parsable --hold',
    ],
  ]);
  // Without a host they are not used: the command runs here.
  assert.deepEqual(commandLine('squeue', ['-h'], undefined, opts), ['squeue', ['-h']]);
});

test("processRunner over ssh: the options reach ssh itself (an unknown option is ssh's own usage error, exit 255)", async (t) => {
  const r = await processRunner('medssl-test-host.invalid', 10_000, ['-o', 'NoSuchOption=1'])('squeue', ['-h']);
  if (r.spawnError) return t.skip('no ssh client on this machine');
  assert.equal(r.code, 255);
  assert.match(r.stderr, /Bad configuration option: nosuchoption/i);
});
