import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { runCommand } from '../../../src/cli/commands/run';
import { tinyRunYamlHead } from '../tinyRunYaml';

const YAML = `${tinyRunYamlHead('clitiny', 2)}  local: { enabled: true, stage: 3, grid: 2, projectorDim: 16 }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: 2, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
`;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-run-'));
}

test('medssl run: bad config → exit 2 with file:line:col', async () => {
  const d = tmp();
  const f = path.join(d, 'bad.medssl.yaml');
  fs.writeFileSync(f, YAML.replace('seed: 2', 'sead: 2'));
  const errs: string[] = [];
  const code = await runCommand(
    { config: f, runsDir: path.join(d, 'runs'), set: [], json: false },
    () => {},
    (s) => errs.push(s),
  );
  assert.equal(code, 2);
  assert.match(errs.join('\n'), /bad\.medssl\.yaml:\d+:\d+/);
  assert.ok(!fs.existsSync(path.join(d, 'runs')));
});

test('medssl run: completes a tiny pretraining (exit 0, run folder), --json event lines, then --resume of a finished run is a no-op completion', async () => {
  const d = tmp();
  const f = path.join(d, 'tiny.medssl.yaml');
  fs.writeFileSync(f, YAML);
  const lines: string[] = [];
  const code = await runCommand(
    { config: f, runsDir: path.join(d, 'runs'), set: ['pretrain.epochs=1'], json: true },
    (s) => lines.push(s),
    () => {},
  );
  assert.equal(code, 0);
  const first = JSON.parse(lines[0]);
  assert.equal(first.type, 'run');
  const run = JSON.parse(fs.readFileSync(path.join(first.dir, 'run.json'), 'utf8'));
  assert.equal(run.status, 'completed');
  assert.ok(lines.slice(1).every((l) => JSON.parse(l).t));
  assert.ok(lines.some((l) => l.includes('"loss/local"')));
  assert.ok(fs.readdirSync(path.join(first.dir, 'diagnostics')).some((n) => n.endsWith('.json')));
  for (const p of ['config.yaml', 'events.jsonl', 'checkpoints/latest', 'run.json']) assert.ok(fs.existsSync(path.join(first.dir, p)), p);
  const code2 = await runCommand(
    { config: '', set: [], json: false, resume: first.dir },
    () => {},
    () => {},
  );
  assert.equal(code2, 0);
});

test('medssl run: SIGTERM → checkpoint, status cancelled, exit 130 (interrupted)', async () => {
  const d = tmp();
  const f = path.join(d, 'long.medssl.yaml');
  fs.writeFileSync(f, YAML.replace('epochs: 1', 'epochs: 50').replace('checkpointEvery: 2', 'checkpointEvery: 0'));
  const child = spawn(process.execPath, [path.join(__dirname, 'cliChild.js'), f, path.join(d, 'runs')], {
    env: { ...process.env, MEDSSL_TRAIN_CHILD: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (!sent && (stdout.match(/"name":"loss\/total"/g) ?? []).length >= 2) {
      sent = true;
      child.kill('SIGTERM');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.ok(sent, 'training started');
  assert.equal(code, 130);
  const dir = JSON.parse(stdout.split('\n')[0]).dir as string;
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  assert.equal(run.status, 'cancelled');
  const latest = fs.readFileSync(path.join(dir, 'checkpoints', 'latest'), 'utf8').trim();
  assert.ok(Number(latest) >= 2 && fs.existsSync(path.join(dir, 'checkpoints', latest, 'state.json')));
});
