#!/usr/bin/env node
// The Slurm layer: a real single-node Slurm cluster on localhost (test/slurm/cluster.mjs; needs root and
// Debian's slurm-wlm + munge, which .ci/run installs — this script installs nothing), then
// test/slurm/slurm.test.mjs (node:test) against it. Every daemon it started is stopped, even on failure.
// When Slurm is not installed the layer is reported skipped with the reason, never passed.
//   node scripts/test-slurm.mjs        (builds nothing: run `npm run build` first)
// MEDSSL_TAP_FILE: when set, the TAP report goes there too (scripts/test-all.mjs counts it).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slurmMissing, startCluster, stopCluster } from '../test/slurm/cluster.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tap = process.env.MEDSSL_TAP_FILE;
const log = (s) => console.log(`[slurm] ${s}`);

const missing = slurmMissing();
if (missing) {
  log(`skipped: ${missing}`);
  if (tap) fs.writeFileSync(tap, `TAP version 13\nok 1 - slurm layer # SKIP ${missing}\n1..1\n# tests 1\n# pass 0\n# fail 0\n# skipped 1\n`);
  process.exit(0);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
  console.error('[slurm] dist/cli.js is missing: run npm run build first');
  process.exit(1);
}

let cluster;
let code = 1;
const stop = async () => {
  if (cluster) {
    const c = cluster;
    cluster = undefined;
    await stopCluster(c, log);
  }
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stop().then(() => process.exit(130)));
try {
  cluster = await startCluster(log);
  const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', ...(tap ? ['--test-reporter=tap', `--test-reporter-destination=${tap}`] : [])];
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', ...reporters, 'test/slurm/slurm.test.mjs'], { cwd: ROOT, stdio: 'inherit', env: cluster.env });
    child.on('close', (c, s) => resolve(c ?? (s ? 128 : 1)));
  });
} catch (e) {
  console.error(`[slurm] ${e.message}`);
} finally {
  await stop();
}
process.exit(code);
