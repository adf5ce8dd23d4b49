import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { chosenDirs, compareChoices } from '../../../src/extension/runs/compareChoices';
import { RunsModel } from '../../../src/extension/runs/runsModel';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'runs', 'seeds');

test('compareChoices: each variant with seeds first (all its runs in one entry), then every run', () => {
  const runs = new RunsModel().read(FIXTURE);
  const mocov2 = runs.filter((r) => r.run?.name.startsWith('seeds-mocov2-')).map((r) => r.dir);
  const choices = compareChoices(runs, mocov2);
  assert.deepEqual(
    choices.map((c) => [c.kind, c.label]),
    [['variant', 'seeds-method'], ['variant', 'seeds-mocov2'], ...runs.map((r) => ['run', r.id])],
  );
  assert.equal(choices[0].description, '3 runs, seeds 0, 1, 2');
  assert.deepEqual([choices[0].picked, choices[1].picked], [false, true], 'a variant is pre-checked when all its runs are selected');
  assert.deepEqual([...choices[1].dirs].sort(), [...mocov2].sort());
  assert.match(choices[2].description, /completed · Dice 0\.\d{3}/);
  // a variant and one of its own runs chosen: each run once
  assert.deepEqual(chosenDirs([choices[1], { dirs: [mocov2[0]] }]).length, 3);
  // runs without a seed suffix: no variant entries
  assert.ok(compareChoices(runs.slice(0, 1), []).every((c) => c.kind === 'run'));
});
