import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunsModel } from '../../../src/extension/runs/runsModel';
import { evaluableRuns, selectedRunDirs, withDiagnostics } from '../../../src/extension/runs/runSelection';
import type { RunsNode } from '../../../src/extension/runs/runsTree';

function writeRun(root: string, id: string, fields: Record<string, unknown>, files: string[] = []): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      id,
      name: 'smoke',
      stage: 'pretrain',
      status: 'completed',
      host: os.hostname(),
      started: '2026-01-01T00:00:00Z',
      configHash: 'c',
      codeVersion: 'v',
      ...fields,
    }),
  );
  fs.writeFileSync(path.join(dir, 'events.jsonl'), '');
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '{}');
  }
  return dir;
}

test('Compare Runs: the multi-selection (or the clicked run, or paths) as run folders, groups expanded, no duplicates', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-sel-'));
  const a = writeRun(root, 'a', {});
  const b = writeRun(root, 'b', {});
  const c = writeRun(root, 'c', { name: 'other' });
  const [sa, sb, sc] = new RunsModel().read(root).sort((x, y) => x.id.localeCompare(y.id));
  const run = (s: typeof sa): RunsNode => ({ kind: 'run', summary: s });
  assert.deepEqual(selectedRunDirs(run(sa), [run(sa), run(sc)]), [a, c]);
  assert.deepEqual(selectedRunDirs(run(sb), undefined), [b], 'a right-click without a selection: the clicked run');
  assert.deepEqual(selectedRunDirs(run(sb), []), [b]);
  assert.deepEqual(selectedRunDirs(undefined, [{ kind: 'group', name: 'smoke', runs: [sa, sb] }, run(sa), c]), [a, b, c]);
  assert.deepEqual(selectedRunDirs(undefined, undefined), []);
  fs.rmSync(root, { recursive: true, force: true });
});

test('Compare Runs: only runs with diagnostics/<step>.json go to the Collapse panel', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-sel-'));
  const a = writeRun(root, 'a', {}, ['diagnostics/10.json']);
  const b = writeRun(root, 'b', { stage: 'linear' });
  const c = writeRun(root, 'c', {}, ['diagnostics/notes.txt']);
  assert.deepEqual(withDiagnostics([a, b, c, path.join(root, 'gone')]), [a]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('Evaluate Checkpoint offers ended pretraining runs with checkpoints/latest only', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-sel-'));
  writeRun(root, 'done', {}, ['checkpoints/latest']);
  writeRun(root, 'cancelled', { status: 'cancelled' }, ['checkpoints/latest']);
  writeRun(root, 'nockpt', {});
  writeRun(root, 'running', { status: 'running', pid: process.pid }, ['checkpoints/latest']);
  writeRun(root, 'evalrun', { stage: 'linear' }, ['checkpoints/latest']);
  assert.deepEqual(
    evaluableRuns(new RunsModel().read(root))
      .map((r) => r.id)
      .sort(),
    ['cancelled', 'done'],
  );
  fs.rmSync(root, { recursive: true, force: true });
});
