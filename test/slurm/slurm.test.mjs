// Against a REAL single-node Slurm (scripts/test-slurm.mjs starts it and sets SLURM_CONF): `medssl submit`
// of the smoke config (shrunk) as an array of two; scancel of a running and of a pending job; a requeue
// mid-run that resumes from the checkpoint; a time limit reached (checkpoint, self-requeue, resume); plain errors for an unknown partition and a missing sbatch;
// the smoke config submitted over SSH to a login node (our own sshd on 127.0.0.1) and cancelled over it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SMOKE = path.join(ROOT, 'examples', 'smoke.medssl.yaml');
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-slurm-runs-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The smoke config, shrunk: 4 training cases × 12 slices, batch 8 (6 steps an epoch), one core per task.
const SHRINK = [
  'data.phantom.cases=6',
  'data.phantom.slices=12',
  'pretrain.batchSize=8',
  'ssl.queueSize=16',
  'pretrain.workers=1',
  'evaluation.linear.enabled=false',
  'evaluation.overlaySlices=0',
  'diagnostics.slices=16',
  'executor.slurm.cpus=1',
].flatMap((s) => ['--set', s]);

function medssl(args, env = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function submit(extra, env) {
  const r = medssl(['submit', SMOKE, '--runs-dir', runsDir, '--json', ...SHRINK, ...extra], env);
  const runs = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((x) => x.type === 'submitted');
  return { ...r, runs };
}
const runJson = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
const events = (dir) =>
  fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const slurm = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });
const squeueState = (id) =>
  slurm('squeue', ['-h', '-r', '-t', 'all', '-o', '%i %T', '-j', id.split('_')[0]])
    .stdout.split('\n')
    .find((l) => l.startsWith(id + ' '))
    ?.split(' ')[1];

async function until(what, fn, ms = 180_000) {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

test('an array of two (the smoke config with two variants): both runs complete in their folders', async () => {
  const two = path.join(runsDir, 'two.medssl.yaml');
  fs.writeFileSync(two, fs.readFileSync(SMOKE, 'utf8') + '\nvariants:\n  - name: a\n  - name: b\n    set: { seed: 1 }\n');
  const r = medssl(['submit', two, '--runs-dir', runsDir, '--json', '--wait', ...SHRINK, '--set', 'pretrain.epochs=1']);
  assert.equal(r.code, 0, r.stderr);
  const runs = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((x) => x.type === 'submitted');
  assert.equal(runs.length, 2);
  const array = runs[0].clusterJobId.split('_')[0];
  assert.deepEqual(
    runs.map((x) => x.clusterJobId),
    [`${array}_0`, `${array}_1`],
  ); // ONE job array
  for (const x of runs) {
    const run = runJson(x.dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.clusterJobId, x.clusterJobId);
    const ev = events(x.dir);
    assert.deepEqual(
      ev.filter((e) => e.type === 'status').map((e) => e.status),
      ['queued', 'running', 'completed'],
    );
    assert.equal(ev.filter((e) => e.type === 'progress').pop().totalSteps, 6);
    assert.ok(fs.readFileSync(path.join(x.dir, `slurm-${x.clusterJobId}.out`), 'utf8').includes(`Slurm job ${x.clusterJobId}`));
  }
  assert.deepEqual(
    runs.map((x) => runJson(x.dir).name),
    ['smoke-a', 'smoke-b'],
  );
});

test('scancel: a running job checkpoints and its run says cancelled; a pending one is marked cancelled by medssl submit --cancel', async () => {
  const r = submit(['--set', 'pretrain.epochs=20']);
  assert.equal(r.code, 0, r.stderr);
  const [x] = r.runs;
  await until('the run to start', () => runJson(x.dir).status === 'running' && fs.existsSync(path.join(x.dir, 'checkpoints', 'latest')));
  assert.equal(slurm('scancel', [x.clusterJobId]).status, 0);
  await until('run.json cancelled', () => runJson(x.dir).status === 'cancelled', 60_000);
  assert.equal(await until('CANCELLED in squeue', () => squeueState(x.clusterJobId) === 'CANCELLED' && 'CANCELLED', 60_000), 'CANCELLED');
  assert.match(
    events(x.dir)
      .filter((e) => e.type === 'status')
      .pop().message,
    /checkpoint saved/,
  );

  // A job that never starts (begins in an hour): only the submitter can say the run was cancelled.
  const p = submit(['--set', 'pretrain.epochs=1', '--set', 'executor.slurm.extraLines=["#SBATCH --begin=now+3600"]']);
  assert.equal(p.code, 0, p.stderr);
  const [y] = p.runs;
  assert.equal(runJson(y.dir).status, 'queued');
  assert.equal(squeueState(y.clusterJobId), 'PENDING');
  const c = medssl(['submit', '--cancel', y.dir]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /: cancelled$/m);
  const run = runJson(y.dir);
  assert.equal(run.status, 'cancelled');
  assert.match(events(y.dir).pop().message, new RegExp(`job ${y.clusterJobId} ended \\(CANCELLED\\) before the run started`));
});

test('scontrol requeue mid-run: the task resumes from checkpoints/latest and completes with the right step count', async () => {
  const r = submit(['--set', 'pretrain.epochs=3', '--set', 'pretrain.checkpointEvery=2']);
  assert.equal(r.code, 0, r.stderr);
  const [x] = r.runs;
  await until('a checkpoint', () => fs.existsSync(path.join(x.dir, 'checkpoints', 'latest')));
  assert.equal(slurm('scontrol', ['requeue', x.clusterJobId]).status, 0, 'scontrol requeue');
  await until('the run to complete after the requeue', () => runJson(x.dir).status === 'completed');
  const st = events(x.dir).filter((e) => e.type === 'status');
  assert.deepEqual(
    st.map((e) => e.status),
    ['queued', 'running', 'cancelled', 'running', 'completed'],
  );
  const cancelledAt = st[2].step;
  assert.ok(cancelledAt > 0 && cancelledAt < 18, `requeued mid-run (at step ${cancelledAt} of 18)`);
  assert.match(st[3].message, new RegExp(`^resumed from checkpoint ${cancelledAt} \\(was cancelled\\)`));
  assert.equal(st[4].step, 18);
  // Every step trained exactly once across the two attempts: 1..18, the resumed ones after the checkpoint.
  const ev = events(x.dir);
  const steps = ev.filter((e) => e.type === 'scalar' && e.name === 'loss/total').map((e) => e.step);
  assert.deepEqual(
    steps,
    Array.from({ length: 18 }, (_, i) => i + 1),
  );
  const resumedAt = ev.findIndex((e) => e.type === 'status' && e.message?.startsWith('resumed'));
  assert.equal(ev.slice(resumedAt).find((e) => e.type === 'scalar' && e.name === 'loss/total').step, cancelledAt + 1);
  const log = fs.readFileSync(path.join(x.dir, `slurm-${x.clusterJobId}.out`), 'utf8');
  assert.match(log, /restart 0/);
  assert.match(log, /restart 1/); // --open-mode=append: both attempts in one log
  assert.equal(runJson(x.dir).clusterJobId, x.clusterJobId);
});

test('time limit: near it the run checkpoints, the task requeues itself and resumes until it completes', async () => {
  // A 1-minute limit, signalled 30 s before it (Slurm may signal up to a minute early). 216 steps take
  // about a minute of training even on an idle machine (72 steps once finished in 26 s, before the
  // signal), so at least one requeue is certain; on a slow machine there are more, each resuming.
  const EPOCHS = 36;
  const r = submit([
    '--set',
    `pretrain.epochs=${EPOCHS}`,
    '--set',
    'pretrain.checkpointEvery=4',
    '--set',
    'executor.slurm.time=00:01:00',
    '--set',
    'executor.slurm.signalSeconds=30',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [x] = r.runs;
  await until('the run to complete', () => runJson(x.dir).status === 'completed', 600_000);
  const ev = events(x.dir);
  const resumes = ev.filter((e) => e.type === 'status' && /^resumed from checkpoint \d+ \(was cancelled\)/.test(e.message ?? ''));
  assert.ok(resumes.length >= 1, 'resumed at least once');
  const steps = ev.filter((e) => e.type === 'scalar' && e.name === 'loss/total').map((e) => e.step);
  assert.deepEqual(
    steps,
    Array.from({ length: 6 * EPOCHS }, (_, i) => i + 1),
  ); // 6 steps per epoch, each exactly once
  const log = fs.readFileSync(path.join(x.dir, `slurm-${x.clusterJobId}.out`), 'utf8');
  assert.match(log, /medssl: time limit in 30 s: saving a checkpoint, then requeueing/);
  assert.match(log, /medssl: requeueing .*: it resumes from the run's latest checkpoint/);
});

test('plain errors: an unknown partition, sbatch not on PATH; no run folder is left behind', () => {
  const before = fs.readdirSync(runsDir).length;
  const bad = submit(['--set', 'executor.slurm.partition=gpu-nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /partition 'gpu-nope' is unknown to the cluster/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  const none = submit([], { PATH: '/nonexistent' });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /sbatch not found on PATH — is this a Slurm login node\? set medssl.slurm.ssh to submit over SSH/);
  assert.equal(fs.readdirSync(runsDir).length, before);
});

// The login node scripts/test-slurm.mjs started (test/slurm/sshd.mjs): our sshd on 127.0.0.1, a key in an ssh-agent.
const SSH = JSON.parse(process.env.MEDSSL_TEST_SSH ?? '{"missing":"MEDSSL_TEST_SSH is not set: run it through scripts/test-slurm.mjs"}');
const sshLogins = () => (fs.readFileSync(SSH.log, 'utf8').match(/Accepted publickey for root/g) ?? []).length;

test('over SSH to a login node: the smoke config completes; medssl submit --cancel scancels over ssh', { skip: SSH.missing }, async () => {
  // The CLI gets no SLURM_CONF (this machine has no /etc/slurm/slurm.conf): only the ssh session, where
  // sshd sets it as a login node would, reaches the cluster. Its key comes from the agent, the host key from sshOptions.
  const env = { ...SSH.env, SLURM_CONF: undefined };
  assert.notEqual(
    spawnSync('squeue', ['-h'], { env: { ...process.env, SLURM_CONF: undefined } }).status,
    0,
    'without SLURM_CONF this machine itself reaches no cluster',
  );
  const viaSsh = ['--set', `executor.slurm.ssh=${SSH.host}`, '--set', `executor.slurm.sshOptions=${JSON.stringify(SSH.sshOptions)}`];
  const logins0 = sshLogins();
  const r = submit([...viaSsh, '--wait', '--set', 'pretrain.epochs=1'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.runs.length, 1);
  const [x] = r.runs;
  const run = runJson(x.dir);
  assert.equal(run.status, 'completed');
  assert.equal(run.clusterJobId, x.clusterJobId);
  assert.deepEqual(
    events(x.dir)
      .filter((e) => e.type === 'status')
      .map((e) => e.status),
    ['queued', 'running', 'completed'],
  );
  assert.equal(
    events(x.dir)
      .filter((e) => e.type === 'progress')
      .pop().totalSteps,
    6,
  );
  assert.ok(fs.readFileSync(path.join(x.dir, `slurm-${x.clusterJobId}.out`), 'utf8').includes(`Slurm job ${x.clusterJobId}`));
  assert.equal(squeueState(x.clusterJobId), 'COMPLETED'); // on the real cluster, asked here directly
  // The job script starts `node` by name (over ssh the job's PATH is the login shell's), not this Node's path.
  const sub = fs
    .readdirSync(path.join(runsDir, '.slurm'))
    .map((d) => path.join(runsDir, '.slurm', d))
    .find((d) => fs.realpathSync(path.join(d, '0')) === fs.realpathSync(x.dir));
  assert.match(fs.readFileSync(path.join(sub, 'job.sbatch'), 'utf8'), /^node \S+cli\.js task "\$run_dir" &$/m);
  // sbatch, scontrol release and at least one squeue of --wait: each its own ssh login.
  assert.ok(sshLogins() - logins0 >= 3, `${sshLogins() - logins0} ssh logins`);

  // A pending job (begins in an hour), cancelled over ssh by medssl submit --cancel (its run's own config says how).
  const p = submit([...viaSsh, '--set', 'pretrain.epochs=1', '--set', 'executor.slurm.extraLines=["#SBATCH --begin=now+3600"]'], env);
  assert.equal(p.code, 0, p.stderr);
  const [y] = p.runs;
  assert.equal(squeueState(y.clusterJobId), 'PENDING');
  const logins1 = sshLogins();
  const c = medssl(['submit', '--cancel', y.dir], env);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /: cancelled$/m);
  assert.equal(runJson(y.dir).status, 'cancelled');
  // A pending array cancelled whole is one record, the array id alone ("2 CANCELLED"), in squeue -r.
  const array = y.clusterJobId.split('_')[0];
  assert.match(slurm('squeue', ['-h', '-r', '-t', 'all', '-o', '%i %T', '-j', array]).stdout, new RegExp(`^${array}(_0)? CANCELLED$`, 'm'));
  assert.ok(sshLogins() > logins1, 'scancel went over ssh');
});
