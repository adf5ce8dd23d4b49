import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { differingConfig, flattenConfig } from '../../../src/extension/panels/configDiff';
import { runLabels } from '../../../src/extension/panels/runData';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const METHOD_RUN = path.join(ROOT, 'test', 'fixtures', 'runs', '20261127T141523Z-smoke');
const MOCO_RUN = path.join(ROOT, 'test', 'fixtures', 'runs', '20261127T141620Z-smoke-mocov2');

test('flattenConfig: one a.b.c=value per leaf; arrays are leaves', () => {
  const f = flattenConfig({ a: { b: 1, c: [1, 2] }, d: 'x' });
  assert.deepEqual(
    [...f.entries()],
    [
      ['a.b', '1'],
      ['a.c', '[1,2]'],
      ['d', '"x"'],
    ],
  );
});

test('differingConfig: only the keys whose values differ (name aside), missing ones as (unset)', () => {
  const d = differingConfig([
    { name: 'a', x: 1, y: 2 },
    { name: 'b', x: 1, y: 3, z: true },
  ]);
  assert.deepEqual(d, [
    ['y=2', 'z=(unset)'],
    ['y=3', 'z=true'],
  ]);
});

test('runLabels: the recorded MoCo v2 and method runs differ in local loss and whitening', () => {
  const [m, v] = runLabels([METHOD_RUN, MOCO_RUN]);
  assert.equal(m.name, 'smoke');
  assert.ok(
    v.differs.some((k) => k.startsWith('ssl.local.enabled=')),
    v.differs.join(' '),
  );
  assert.ok(!m.differs.some((k) => k.startsWith('stage=')), 'both are pretraining runs: no stage entry');
  assert.deepEqual(runLabels([METHOD_RUN])[0].differs, []);
});

test('runLabels: an evaluation run beside its pretraining (same config) is told apart by its stage', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-rundata-'));
  const evalRun = path.join(tmp, 'eval');
  fs.cpSync(METHOD_RUN, evalRun, { recursive: true });
  const runJson = path.join(evalRun, 'run.json');
  fs.writeFileSync(runJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(runJson, 'utf8')), id: 'eval-run', stage: 'linear' }));
  const [p, e] = runLabels([METHOD_RUN, evalRun]);
  assert.deepEqual(p.differs, ['stage=pretrain']);
  assert.deepEqual(e.differs, ['stage=linear']);
  fs.rmSync(tmp, { recursive: true, force: true });
});
