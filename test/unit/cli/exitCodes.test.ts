/**
 * One exit-code contract (docs/EXIT-CODES.md): 0 success, 1 a run that failed while running, 2 bad
 * input or usage (config, data, paths, permissions), 130 interrupted (run cancelled) wherever in the
 * run it happens; messages name the user's path, never an internal temp file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { reportCommand } from '../../../src/cli/commands/report';
import { runCommand } from '../../../src/cli/commands/run';
import { EXIT } from '../../../src/cli/errors';
import {
  assertNoLeftovers,
  assertValidEvents,
  capture,
  mountTmpfs,
  runFolders,
  runJson,
  tinyYaml,
  tmp,
  unmount,
  writeConfig,
} from './badInputKit';

// The built CLI, as the extension and a terminal run it (npm test builds it first).
const cli = path.resolve(__dirname, '../../../../dist/cli.js');

/** Runs the CLI in a child and sends `signal` once a stdout line matches `when`; the exit code and stdout. */
function runUntil(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; sent: boolean }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (!sent && when.test(stdout)) {
      sent = true;
      child.kill(signal);
    }
  });
  child.stderr.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, sent })));
}

test('the contract itself: 0 ok, 1 failed, 2 bad input, 130 interrupted', () => {
  assert.deepEqual({ ...EXIT }, { ok: 0, failed: 1, badInput: 2, interrupted: 130 });
});

test('Ctrl-C (SIGINT) during pretraining → 130, run cancelled with a checkpoint', async () => {
  const d = tmp('sigint-pretrain');
  try {
    const cfg = writeConfig(d, 'long', tinyYaml('long', { epochs: 200, checkpointEvery: 0 }));
    const r = await runUntil(['run', cfg, '--json', '--runs-dir', path.join(d, 'runs')], /"name":"loss\/total"/, 'SIGINT');
    assert.ok(r.sent, 'training never started');
    assert.equal(r.code, 130);
    const dir = (JSON.parse(r.stdout.split('\n')[0]) as { dir: string }).dir;
    assert.equal(runJson(dir).status, 'cancelled');
    assert.ok(fs.existsSync(path.join(dir, 'checkpoints', 'latest')));
    assertValidEvents(dir);
    assertNoLeftovers(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('Ctrl-C during the linear evaluation of `run` → 130 (not 1), run cancelled; its resume completes without printing "loss NaN"', async () => {
  const d = tmp('sigint-eval');
  try {
    const cfg = writeConfig(
      d,
      'evalstop',
      tinyYaml('evalstop', { linear: true }).replace('epochs: 2, batchSize: 4', 'epochs: 2000, batchSize: 4'),
    );
    const r = await runUntil(['run', cfg, '--json', '--runs-dir', path.join(d, 'runs')], /"linear\/loss"/, 'SIGINT');
    assert.ok(r.sent, 'the evaluation never reported a step');
    assert.equal(r.code, 130);
    const dir = (JSON.parse(r.stdout.split('\n')[0]) as { dir: string }).dir;
    assert.equal(runJson(dir).status, 'cancelled');
    const again = await capture((o, e) => runCommand({ config: '', set: ['evaluation.linear.epochs=1'], json: false, resume: dir }, o, e));
    assert.equal(again.code, 0, again.err.join('\n'));
    assert.doesNotMatch(again.out.join('\n'), /NaN/);
    assert.match(again.out.join('\n'), /completed at step 3\/3 \(no pretraining step in this session\)/);
    assertNoLeftovers(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('an unusable --runs-dir (a file, a folder under a file, a read-only file system) → exit 2 naming it, no temp name', async () => {
  const d = tmp('runsdir');
  const ro = path.join(d, 'ro');
  const mounted = mountTmpfs(ro, '1m', true);
  try {
    const cfg = writeConfig(d, 'rd', tinyYaml('rd'));
    const file = path.join(d, 'a-file');
    fs.writeFileSync(file, 'x');
    const cases: Array<[string, RegExp]> = [
      [file, /--runs-dir .*a-file: is a file, not a folder/],
      [path.join(file, 'runs'), /--runs-dir .*a-file\/runs: .*a-file is a file, not a folder/],
    ];
    if (mounted) cases.push([path.join(ro, 'runs'), /--runs-dir .*ro\/runs: .*ro is on a read-only file system/]);
    for (const [runsDir, re] of cases) {
      const r = await capture((o, e) => runCommand({ config: cfg, runsDir, set: [], json: false }, o, e));
      assert.equal(r.code, 2, `${runsDir}: ${r.err.join('\n')}`);
      assert.match(r.err.join('\n'), re);
      assert.doesNotMatch(r.err.join('\n'), /\.tmp-/);
    }
    assertNoLeftovers(d);
  } finally {
    if (mounted) unmount(ro);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('report --html to a path that cannot be written → exit 2 naming that file, never the temp file', async () => {
  const d = tmp('html');
  try {
    const file = path.join(d, 'a-file');
    fs.writeFileSync(file, 'x');
    const cfg = writeConfig(d, 'rep', tinyYaml('rep', { checkpointEvery: 0 }));
    const run = await capture((o, e) => runCommand({ config: cfg, runsDir: path.join(d, 'runs'), set: [], json: false }, o, e));
    assert.equal(run.code, 0, run.err.join('\n'));
    for (const [html, why] of [
      [path.join(file, 'report.html'), 'a file is in the way of its folder'],
      [path.join(d, 'missing', 'report.html'), 'its folder does not exist'],
    ]) {
      const r = await capture((o, e) => reportCommand({ runDirs: [run.out[0]], json: false, html }, o, e));
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, [`medssl report: --html ${html}: ${why}`]);
    }
    assertNoLeftovers(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run --resume on a missing path, a file, a folder without config.yaml → exit 2 with the right reason', async () => {
  const d = tmp('resume-bad');
  try {
    const file = path.join(d, 'f');
    fs.writeFileSync(file, '');
    for (const [p, why] of [
      [path.join(d, 'nope'), 'no such folder'],
      [file, 'is a file, not a run folder'],
      [d, 'not a run folder (no config.yaml)'],
    ]) {
      const r = await capture((o, e) => runCommand({ config: '', set: [], json: false, resume: p }, o, e));
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, [`medssl run --resume: ${p}: ${why}`]);
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('usage errors → 2 (unknown flag, unknown command); a run that fails while running → 1 (a NaN loss)', async () => {
  const err: string[] = [];
  assert.equal(
    await main(
      ['run', '--nope'],
      () => {},
      (s) => err.push(s),
    ),
    2,
  );
  assert.equal(
    await main(
      ['frobnicate'],
      () => {},
      (s) => err.push(s),
    ),
    2,
  );
  const d = tmp('fails');
  try {
    const cfg = writeConfig(d, 'nan', tinyYaml('nan').replace('lr: 0.05', 'lr: 1e30'));
    const r = await capture((o, e) => runCommand({ config: cfg, runsDir: path.join(d, 'runs'), set: [], json: false }, o, e));
    assert.equal(r.code, 1, r.err.join('\n'));
    const [dir] = runFolders(path.join(d, 'runs'));
    assert.equal(runJson(path.join(d, 'runs', dir)).status, 'failed');
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
