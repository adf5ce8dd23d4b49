// `medssl submit` with `seeds:` (the built CLI, a stand-in sbatch and scontrol on PATH): one queued run
// folder per seed, submitted as one job array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

const cli = path.resolve(__dirname, '../../../../dist/cli.js');
const smoke = path.resolve(__dirname, '../../../../examples/smoke.medssl.yaml');

test('medssl submit with seeds: a run folder per seed (seed set, name suffixed), one array of that size', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-submit-seeds-'));
  const bin = path.join(d, 'bin');
  fs.mkdirSync(bin);
  // sbatch keeps its script and answers a job id (--parsable); scontrol (the release of the held array) succeeds
  fs.writeFileSync(path.join(bin, 'sbatch'), `#!/bin/sh\ncat > ${JSON.stringify(path.join(d, 'script'))}\necho 42\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'scontrol'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const config = path.join(d, 's.medssl.yaml');
  fs.writeFileSync(config, `${fs.readFileSync(smoke, 'utf8')}\nseeds: [0, 3]\n`);
  const runs = path.join(d, 'runs');
  const r = spawnSync(process.execPath, [cli, 'submit', config, '--runs-dir', runs], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  assert.equal(r.status, 0, r.stderr);
  const dirs = fs
    .readdirSync(runs)
    .filter((x) => !x.startsWith('.'))
    .sort();
  assert.deepEqual(
    dirs.map((x) => x.replace(/^\d{8}T\d{6}Z-/, '')),
    ['smoke-seed0', 'smoke-seed3'],
  );
  const seeds = dirs.map((x) => parse(fs.readFileSync(path.join(runs, x, 'config.yaml'), 'utf8')) as { seed: number; seeds: number[] });
  assert.deepEqual(
    seeds.map((c) => c.seed),
    [0, 3],
  );
  assert.deepEqual(
    seeds.map((c) => c.seeds),
    [[], []],
  );
  assert.match(fs.readFileSync(path.join(d, 'script'), 'utf8'), /^#SBATCH --array=0-1$/m);
});
