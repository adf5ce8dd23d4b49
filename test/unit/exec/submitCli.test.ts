// `medssl submit` / `task` from the outside (the built CLI), without a cluster: bad input exits 2 naming
// the problem; no sbatch exits 1 with the plain sentence and leaves no run folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../../../dist/cli.js');
const smoke = path.resolve(__dirname, '../../../../examples/smoke.medssl.yaml');
const medssl = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });

test('medssl submit: usage, a bad executor section, an unknown executor: exit 2, said plainly', () => {
  const none = medssl(['submit']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /submit takes one config file/);
  const bad = medssl(['submit', smoke, '--set', 'executor.slurm.gpus=-1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /executor\.slurm\.gpus/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  const ex = medssl(['submit', smoke, '--executor', 'k8s']);
  assert.equal(ex.status, 2);
  assert.match(ex.stderr, /--executor takes slurm or local, got 'k8s'/);
  const task = medssl(['task', path.join(os.tmpdir(), 'medssl-no-such-run')]);
  assert.equal(task.status, 2);
  assert.match(task.stderr, /not a run folder \(no run\.json\)/);
});

test('medssl submit without sbatch on PATH: exit 1, the plain sentence, no run folder left', () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-nosbatch-'));
  const r = medssl(['submit', smoke, '--runs-dir', runs], { ...process.env, PATH: '/nonexistent' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /^medssl submit: sbatch not found on PATH — is this a Slurm login node\? set medssl\.slurm\.ssh to submit over SSH$/m,
  );
  assert.deepEqual(fs.readdirSync(runs), []);
});
