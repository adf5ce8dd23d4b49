import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { evaluateCommand } from '../../../src/cli/commands/evaluate';
import { runCommand } from '../../../src/cli/commands/run';
import { listRuns, readEvents, readRun } from '../../../src/core/runs';
import { tinyRunYamlHead } from '../tinyRunYaml';

// The built worker, as the extension runs it (npm test builds it first).
const cli = path.resolve(__dirname, '../../../../dist/cli.js');

// A pretraining without any evaluation (so that `evaluate` is what switches one on), seconds on the cpu backend.
const YAML = `${tinyRunYamlHead('evaltiny', 3)}  local: { enabled: false }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 2, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  linear: { enabled: false, epochs: 2, batchSize: 4 }
  finetune: { enabled: false, epochs: 1, batchSize: 4 }
  overlaySlices: 4
`;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-eval-'));
}

let pretrained: Promise<{ root: string; runsDir: string; dir: string }> | undefined;
/** One real pretraining run shared by the tests (exit 0, checkpoints/latest). */
function pretrainedRun() {
  pretrained ??= (async () => {
    const root = tmp();
    const f = path.join(root, 'evaltiny.medssl.yaml');
    fs.writeFileSync(f, YAML);
    const runsDir = path.join(root, 'runs');
    const lines: string[] = [];
    const code = await runCommand(
      { config: f, runsDir, set: [], json: false },
      (s) => lines.push(s),
      () => {},
    );
    assert.equal(code, 0, 'the pretraining failed');
    return { root, runsDir, dir: lines[0] };
  })();
  return pretrained;
}

test('medssl evaluate --mode linear: a new run folder (stage linear, same name, source in run.json) with Dice, metrics.json and overlays; the source run is untouched', async () => {
  const { runsDir, dir } = await pretrainedRun();
  const srcRunBefore = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
  const srcEventsBefore = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  assert.equal(
    fs.existsSync(path.join(dir, 'metrics.json')) && 'linear' in JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')),
    false,
    'the pretraining already evaluated',
  );

  const lines: string[] = [];
  const errs: string[] = [];
  const code = await evaluateCommand(
    { runDir: dir, mode: 'linear', set: [], json: true },
    (s) => lines.push(s),
    (s) => errs.push(s),
  );
  assert.equal(code, 0, errs.join('\n'));
  const first = JSON.parse(lines[0]) as { type: string; dir: string; source: { runId: string; dir: string; checkpoint: string } };
  assert.equal(first.type, 'run');
  assert.notEqual(first.dir, dir);
  assert.equal(path.dirname(first.dir), runsDir, 'the evaluation goes beside its source by default');
  assert.ok(
    lines.slice(1).every((l) => typeof JSON.parse(l).t === 'string'),
    'every later line is an event',
  );
  assert.ok(lines.some((l) => l.includes('"linear/loss"')));

  const run = readRun(first.dir) as ReturnType<typeof readRun> & { source?: { runId: string; dir: string; checkpoint: string } };
  const src = readRun(dir);
  assert.equal(run.stage, 'linear');
  assert.equal(run.status, 'completed');
  assert.equal(run.name, src.name);
  assert.deepEqual(run.source, { runId: src.id, dir, checkpoint: first.source.checkpoint });
  assert.ok(fs.existsSync(path.join(run.source.checkpoint, 'state.json')), `${run.source.checkpoint} is not a checkpoint`);

  const metrics = JSON.parse(fs.readFileSync(path.join(first.dir, 'metrics.json'), 'utf8')) as {
    linear: { summary: { meanForeground: number | null }; cases: unknown[] };
  };
  assert.equal(metrics.linear.cases.length, 1, 'one held-out case of four');
  const mf = metrics.linear.summary.meanForeground;
  assert.ok(mf === null || (mf >= 0 && mf <= 1), `mean foreground Dice ${mf}`);
  assert.ok(fs.existsSync(path.join(first.dir, 'overlays', 'linear', 'index.json')));
  const events = readEvents(first.dir).events;
  assert.ok(
    events.some((e) => e.type === 'log' && e.message.includes(`of run ${src.id}`)),
    'the log names the source run',
  );

  // The source run folder is read only.
  assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), srcRunBefore);
  assert.equal(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8'), srcEventsBefore);
  // Both show in the runs folder listing (the Runs view's source).
  assert.deepEqual(
    listRuns(runsDir)
      .map((r) => r.run?.stage)
      .sort(),
    ['linear', 'pretrain'],
  );
});

test('medssl evaluate --mode finetune with --runs-dir and --set: stage finetune in the given folder, the encoder starts from the checkpoint', async () => {
  const { root, dir } = await pretrainedRun();
  const other = path.join(root, 'elsewhere');
  const lines: string[] = [];
  const errs: string[] = [];
  const code = await evaluateCommand(
    { runDir: dir, mode: 'finetune', runsDir: other, set: ['evaluation.finetune.labelFraction=0.5'], json: false },
    (s) => lines.push(s),
    (s) => errs.push(s),
  );
  assert.equal(code, 0, errs.join('\n'));
  const evalDir = lines[0];
  assert.equal(path.dirname(evalDir), other);
  assert.equal(readRun(evalDir).stage, 'finetune');
  assert.match(lines.join('\n'), /fine-tuning of .*: mean foreground Dice (\d\.\d{4}|n\/a) on 1 held-out cases/);
  const m = JSON.parse(fs.readFileSync(path.join(evalDir, 'metrics.json'), 'utf8')) as {
    finetune: { settings: { init: string; labelFraction: number } };
  };
  assert.equal(m.finetune.settings.init, 'pretrained');
  assert.equal(m.finetune.settings.labelFraction, 0.5);
  const resolved = parseYaml(fs.readFileSync(path.join(evalDir, 'config.yaml'), 'utf8')) as {
    evaluation: { linear: { enabled: boolean }; finetune: { enabled: boolean } };
  };
  assert.deepEqual(
    [resolved.evaluation.linear.enabled, resolved.evaluation.finetune.enabled],
    [false, true],
    "the evaluation run's config says what ran",
  );
});

test('medssl evaluate: SIGTERM during the evaluation → its run folder reads cancelled, exit 130 (the worker the extension spawns)', async () => {
  const { root, dir } = await pretrainedRun();
  const runsDir = path.join(root, 'cancelled');
  const child = spawn(
    process.execPath,
    [cli, 'evaluate', dir, '--mode', 'linear', '--json', '--runs-dir', runsDir, '--set', 'evaluation.linear.epochs=2000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (!sent && stdout.includes('"linear/loss"')) {
      sent = true;
      child.kill('SIGTERM');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.ok(sent, 'the evaluation never reported a step');
  assert.equal(code, 130);
  const evalDir = (JSON.parse(stdout.split('\n')[0]) as { dir: string }).dir;
  const run = readRun(evalDir);
  assert.equal(run.status, 'cancelled');
  assert.equal(run.stage, 'linear');
  assert.equal(readRun(dir).status, 'completed', 'the source run is untouched');
});

test('medssl evaluate: bad input exits 2 naming the folder (not a run folder, no checkpoint, still running, an evaluation run, bad mode)', async () => {
  const root = tmp();
  const errs: string[] = [];
  const ev = (dir: string, mode: 'linear' | 'finetune' = 'linear') =>
    evaluateCommand(
      { runDir: dir, mode, set: [], json: false },
      () => {},
      (s) => errs.push(s),
    );

  // A folder that is not a run
  const plain = path.join(root, 'plain');
  fs.mkdirSync(plain);
  assert.equal(await ev(plain), 2);
  assert.match(errs.pop()!, new RegExp(`${plain.replace(/[/\\.]/g, '\\$&')}.*not a run folder \\(no run\\.json\\)`));
  assert.equal(await ev(path.join(root, 'missing')), 2);
  assert.match(errs.pop()!, /missing: no such folder/);

  // A completed run folder without checkpoints
  const noCkpt = path.join(root, 'runs', '20260101T000000Z-x');
  fs.mkdirSync(noCkpt, { recursive: true });
  const base = {
    id: '20260101T000000Z-x',
    name: 'x',
    stage: 'pretrain',
    host: os.hostname(),
    started: '2026-01-01T00:00:00.000Z',
    configHash: 'h',
    codeVersion: 'v',
  };
  fs.writeFileSync(path.join(noCkpt, 'run.json'), JSON.stringify({ ...base, status: 'completed' }));
  fs.writeFileSync(path.join(noCkpt, 'config.yaml'), YAML);
  assert.equal(await ev(noCkpt), 2);
  assert.match(errs.pop()!, /20260101T000000Z-x: no complete checkpoint \(checkpoints\/latest\)/);

  // Still running (this process is alive)
  fs.writeFileSync(path.join(noCkpt, 'run.json'), JSON.stringify({ ...base, status: 'running', pid: process.pid }));
  assert.equal(await ev(noCkpt, 'finetune'), 2);
  assert.match(errs.pop()!, /20260101T000000Z-x: run 20260101T000000Z-x is still running \(pid \d+\)/);

  // An evaluation run is not evaluated again
  fs.writeFileSync(path.join(noCkpt, 'run.json'), JSON.stringify({ ...base, stage: 'linear', status: 'completed' }));
  assert.equal(await ev(noCkpt), 2);
  assert.match(errs.pop()!, /is itself a linear evaluation/);
  assert.equal(listRuns(path.join(root, 'runs')).length, 1, 'no run folder was created by bad input');

  // Through the built CLI: usage errors are one line, exit 2, no stack trace.
  for (const [argv, re] of [
    [['evaluate', plain, '--mode', 'linear'], /not a run folder/],
    [['evaluate', plain, '--mode', 'probe'], /--mode takes linear or finetune, got 'probe'/],
    [['evaluate', plain], /--mode takes linear or finetune, got nothing/],
    [['evaluate', '--mode', 'linear'], /evaluate takes one run folder/],
  ] as const) {
    const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
  }
});
