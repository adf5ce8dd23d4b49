/**
 * Corrupt checkpoints: every checkpoint carries checksums; resume and evaluate verify them, fall back to
 * the newest complete one with a warning naming the broken one, and fail plainly (naming the file)
 * only when none is complete. A run keeps its last two complete checkpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkEvaluable, evaluateCommand } from '../../../src/cli/commands/evaluate';
import { runCommand } from '../../../src/cli/commands/run';
import { readCheckpointState } from '../../../src/core/train/checkpoint';
import { assertNoLeftovers, assertValidEvents, capture, runJson, tinyYaml, tmp, writeConfig } from './badInputKit';

let base: Promise<{ root: string; dir: string }> | undefined;
/** One completed tiny run (3 steps, a checkpoint after each) that each case copies. */
function baseRun() {
  base ??= (async () => {
    const root = tmp('ckpt');
    const cfg = writeConfig(root, 'ckpt', tinyYaml('ckpt', { checkpointEvery: 1 }));
    const r = await capture((o, e) => runCommand({ config: cfg, runsDir: path.join(root, 'runs'), set: [], json: false }, o, e));
    assert.equal(r.code, 0, r.err.join('\n'));
    return { root, dir: r.out[0] };
  })();
  return base;
}

/** A copy of the base run, marked cancelled (so it may be resumed), with `corrupt` applied to it. */
async function brokenCopy(name: string, corrupt: (ck: string) => void): Promise<string> {
  const { root, dir } = await baseRun();
  const copy = path.join(root, name, path.basename(dir));
  fs.cpSync(dir, copy, { recursive: true });
  const run = runJson(copy) as Record<string, unknown>;
  fs.writeFileSync(path.join(copy, 'run.json'), JSON.stringify({ ...run, status: 'cancelled' }));
  corrupt(path.join(copy, 'checkpoints'));
  return copy;
}

const truncate = (file: string, keep = 0.5) =>
  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size * keep)));

test('a run keeps its last two complete checkpoints, each with a checksum manifest', async () => {
  const { dir } = await baseRun();
  const ck = path.join(dir, 'checkpoints');
  assert.deepEqual(fs.readdirSync(ck).sort(), ['2', '3', 'latest']);
  for (const n of ['2', '3']) {
    const m = JSON.parse(fs.readFileSync(path.join(ck, n, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    assert.ok(m.files['query/weights.bin'].sha256.length === 64 && 'state.json' in m.files && 'queue.bin' in m.files);
  }
});

for (const [label, corrupt, named] of [
  [
    'a truncated weights.bin',
    (ck: string) => truncate(path.join(ck, '3', 'query', 'weights.bin')),
    /checkpoints\/3\/query\/weights\.bin has \d+ bytes, the manifest says \d+ \(truncated\?\)/,
  ],
  ['a truncated state.json', (ck: string) => truncate(path.join(ck, '3', 'state.json')), /checkpoints\/3\/state\.json has \d+ bytes/],
  [
    'a latest pointing nowhere',
    (ck: string) => {
      fs.rmSync(path.join(ck, '3'), { recursive: true });
      fs.writeFileSync(path.join(ck, 'latest'), '3\n');
    },
    /checkpoints\/latest names '3', which is not a checkpoint folder/,
  ],
] as const) {
  test(`resume with ${label}: a warning names it, the newest complete checkpoint (2) is used, the run completes (exit 0)`, async () => {
    const dir = await brokenCopy(label.replace(/\W+/g, '-'), corrupt);
    const r = await capture((o, e) => runCommand({ config: '', set: [], json: false, resume: dir }, o, e));
    assert.equal(r.code, 0, r.err.join('\n'));
    const warning = r.err.find((l) => l.startsWith('warning: checkpoint '));
    assert.ok(warning, r.err.join('\n'));
    assert.match(warning, named);
    assert.ok(warning.endsWith(`using the newest complete one, ${path.join(dir, 'checkpoints', '2')}`), warning);
    assert.equal(runJson(dir).status, 'completed');
    const events = assertValidEvents(dir) as Array<{ type: string; level?: string; message?: string }>;
    assert.ok(
      events.some((e) => e.type === 'log' && e.level === 'warn' && named.test(e.message ?? '')),
      'the warning is in events.jsonl',
    );
    assertNoLeftovers(dir);
  });
}

test('resume with no complete checkpoint left: exit 1, the run fails naming each broken file', async () => {
  const dir = await brokenCopy('none-complete', (ck) => {
    truncate(path.join(ck, '3', 'state.json'));
    truncate(path.join(ck, '2', 'queue.bin'));
  });
  const r = await capture((o, e) => runCommand({ config: '', set: [], json: false, resume: dir }, o, e));
  assert.equal(r.code, 1, r.err.join('\n'));
  const msg = r.err.join('\n');
  assert.match(msg, /no complete checkpoint in .*checkpoints: .*3\/state\.json has \d+ bytes.*; .*2\/queue\.bin has \d+ bytes/);
  const run = runJson(dir);
  assert.equal(run.status, 'failed');
  assert.match(run.error?.message ?? '', /no complete checkpoint/);
  assertValidEvents(dir);
});

test('evaluate of a completed run whose latest checkpoint is corrupt: the warning names it and checkpoint 2 is evaluated; none complete → exit 2 naming the file', async () => {
  const dir = await brokenCopy('eval', (ck) => truncate(path.join(ck, '3', 'key', 'weights.bin')));
  const warnings: string[] = [];
  const ok = await checkEvaluable(dir, (w) => warnings.push(w));
  assert.ok('checkpoint' in ok, JSON.stringify(ok));
  assert.equal(ok.checkpoint, path.join(dir, 'checkpoints', '2'));
  assert.match(warnings.join('\n'), /checkpoint .*checkpoints\/3 is broken \(.*3\/key\/weights\.bin has \d+ bytes/);
  truncate(path.join(dir, 'checkpoints', '2', 'optimizer', 'weights.bin'));
  const r = await capture((o, e) =>
    evaluateCommand({ runDir: dir, mode: 'linear', set: [], json: false, runsDir: path.join(dir, '..', 'evals') }, o, e),
  );
  assert.equal(r.code, 2);
  assert.match(r.err.join('\n'), /medssl evaluate: .*no complete checkpoint in .*2\/optimizer\/weights\.bin has \d+ bytes/);
});

test('a truncated state.json read directly names the file (no bare JSON error)', async () => {
  const dir = await brokenCopy('state', (ck) => truncate(path.join(ck, '3', 'state.json')));
  await assert.rejects(
    readCheckpointState(path.join(dir, 'checkpoints', '3')),
    (e: Error) => e.message === `checkpoint: ${path.join(dir, 'checkpoints', '3', 'state.json')} is truncated or not JSON`,
  );
});

test.after(async () => {
  if (base) fs.rmSync((await base).root, { recursive: true, force: true });
});
