#!/usr/bin/env node
// The Slurm layer: a real single-node Slurm cluster on localhost (test/slurm/cluster.mjs; needs root and
// Debian's slurm-wlm + munge, which .ci/run installs — this script installs nothing), then
// test/slurm/slurm.test.mjs (node:test) against it, with our own sshd on 127.0.0.1 as a login node for the
// submit-over-SSH test (test/slurm/sshd.mjs; needs openssh-server). Every daemon it started is stopped,
// even on failure. When Slurm is not installed the layer is reported skipped with the reason, never passed.
//   node scripts/test-slurm.mjs [--test-name-pattern=ssh]   (builds nothing: run `npm run build` first;
//                                                             extra arguments go to node --test)
// MEDSSL_TAP_FILE: when set, the TAP report goes there too (scripts/test-all.mjs counts it).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slurmMissing, startCluster, stopCluster } from '../test/slurm/cluster.mjs';
import { sshdMissing, startSshd, stopSshd } from '../test/slurm/sshd.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tap = process.env.MEDSSL_TAP_FILE;
const log = (s) => console.log(`[slurm] ${s}`);

const missing = slurmMissing();
if (missing) {
  log(`skipped: ${missing}`);
  if (tap)
    fs.writeFileSync(tap, `TAP version 13\nok 1 - slurm layer # SKIP ${missing}\n1..1\n# tests 1\n# pass 0\n# fail 0\n# skipped 1\n`);
  process.exit(0);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
  console.error('[slurm] dist/cli.js is missing: run npm run build first');
  process.exit(1);
}

let cluster;
let sshd;
let code = 1;
const stop = async () => {
  if (sshd) {
    const s = sshd;
    sshd = undefined;
    await stopSshd(s, log);
  }
  if (cluster) {
    const c = cluster;
    cluster = undefined;
    await stopCluster(c, log);
  }
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stop().then(() => process.exit(130)));
try {
  cluster = await startCluster(log);
  // The login node for the SSH test: its address, options and agent socket reach the test as one variable.
  const noSshd = sshdMissing();
  if (noSshd) log(`the submit-over-SSH test will be skipped: ${noSshd}`);
  else sshd = await startSshd(cluster.conf, log);
  const sshEnv = {
    MEDSSL_TEST_SSH: JSON.stringify(
      sshd ? { host: sshd.host, sshOptions: sshd.sshOptions, env: sshd.env, log: sshd.log } : { missing: noSshd },
    ),
  };
  const reporters = [
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    ...(tap ? ['--test-reporter=tap', `--test-reporter-destination=${tap}`] : []),
  ];
  code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=1', '--test-timeout=600000', ...reporters, ...process.argv.slice(2), 'test/slurm/slurm.test.mjs'],
      { cwd: ROOT, stdio: 'inherit', env: { ...cluster.env, ...sshEnv } },
    );
    child.on('close', (c, s) => resolve(c ?? (s ? 128 : 1)));
  });
} catch (e) {
  console.error(`[slurm] ${e.message}`);
} finally {
  await stop();
}
process.exit(code);
