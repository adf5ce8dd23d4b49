import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configGroupOf, formatDuration, groupByConfig, keyMetric, RunsModel, seedOfRun } from '../../../src/extension/runs/runsModel';

function writeRun(root: string, id: string, fields: Record<string, unknown>, events: object[]): string {
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
  fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return dir;
}

test('runs are read with their last scalars and progress, incrementally; a dead running run reads stale', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
  const a = writeRun(root, '20260101T000000Z-smoke', {}, [
    { t: 'x', step: 1, epoch: 0, type: 'scalar', name: 'loss/total', value: 5 },
    { t: 'x', step: 2, epoch: 0, type: 'scalar', name: 'loss/total', value: 4.5 },
  ]);
  writeRun(root, '20260102T000000Z-other', { name: 'other', status: 'running', pid: 2 ** 22 + 12345 }, [
    { t: 'x', step: 3, epoch: 0, type: 'progress', totalSteps: 10, imagesPerSec: 2, etaSec: 14 },
  ]);
  fs.mkdirSync(path.join(root, '.jobs'));
  const m = new RunsModel();
  let runs = m.read(root);
  assert.deepEqual(
    runs.map((r) => r.id),
    ['20260102T000000Z-other', '20260101T000000Z-smoke'],
  );
  assert.equal(runs[0].shownStatus, 'stale');
  assert.equal(runs[0].progress?.step, 3);
  assert.equal(runs[1].last['loss/total'], 4.5);
  assert.equal(keyMetric(runs[1]), 'loss 4.500');
  fs.appendFileSync(
    path.join(a, 'events.jsonl'),
    JSON.stringify({ t: 'x', step: 3, epoch: 1, type: 'scalar', name: 'linear/dice/meanForeground', value: 0.8123 }) + '\n',
  );
  runs = m.read(root);
  assert.equal(keyMetric(runs[1]), 'Dice 0.812');
  assert.equal(runs[1].last['loss/total'], 4.5, 'earlier scalars are kept across incremental reads');
  assert.deepEqual([...groupByConfig(runs).keys()], ['other', 'smoke']);
  fs.rmSync(root, { recursive: true, force: true });
});

test('durations', () => {
  assert.equal(formatDuration(5), '0:05');
  assert.equal(formatDuration(125), '2:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Number.NaN), '?');
});

test("groupByConfig: a variant's seeds (<name>-<variant>-seed<N>) are one group; each run keeps its seed", () => {
  const fixture = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'runs', 'seeds');
  const runs = new RunsModel().read(fixture);
  assert.equal(runs.length, 6);
  const groups = groupByConfig(runs);
  assert.deepEqual([...groups.keys()], ['seeds-method', 'seeds-mocov2'], 'groups in order of their newest run');
  assert.deepEqual(groups.get('seeds-mocov2')!.map(seedOfRun).sort(), [0, 1, 2]);
  assert.equal(configGroupOf(runs[0]), 'seeds-method');
});
