// A login node on this machine for submitting over SSH: our own sshd on 127.0.0.1 and a free high port
// (its own host key, config and authorized_keys in a scratch folder; never the system's sshd on port 22)
// and an ssh-agent holding a fresh client key (nothing is written to ~/.ssh). The remote sessions get
// SLURM_CONF (sshd's SetEnv), as a login node's users get the cluster's slurm.conf. stopSshd() ends exactly
// the two pids startSshd() started and deletes the keys.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { alive } from './cluster.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SSHD = '/usr/sbin/sshd';

/** Why our own sshd cannot run here (null when it can). */
export function sshdMissing() {
  if (!fs.existsSync(SSHD)) return `${SSHD} is not installed (apt-get install --no-install-recommends openssh-server)`;
  for (const b of ['ssh', 'ssh-keygen', 'ssh-agent', 'ssh-add']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} is not installed (openssh-client)`;
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function must(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r;
}

/**
 * Starts sshd and ssh-agent. Returns { scratch, port, host, sshOptions, env: { SSH_AUTH_SOCK }, pids, log }:
 * `host` and `sshOptions` are what executor.slurm.ssh / sshOptions take; `env` goes to the medssl child.
 */
export async function startSshd(slurmConf, log = console.log) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-sshd-'));
  const started = { scratch, pids: [], log: path.join(scratch, 'sshd.log') };
  try {
    const port = await freePort();
    const hostKey = path.join(scratch, 'host_ed25519');
    const clientKey = path.join(scratch, 'client_ed25519');
    must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'medssl-test-host', '-f', hostKey]);
    must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'medssl-test-client', '-f', clientKey]);
    fs.copyFileSync(`${clientKey}.pub`, path.join(scratch, 'authorized_keys'));
    // What a user's known_hosts holds for this login node (passed with -o UserKnownHostsFile=…).
    fs.writeFileSync(path.join(scratch, 'known_hosts'), `[127.0.0.1]:${port} ${fs.readFileSync(`${hostKey}.pub`, 'utf8').trim()}\n`);
    const conf = path.join(scratch, 'sshd_config');
    fs.writeFileSync(
      conf,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${scratch}/authorized_keys`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        `PidFile ${scratch}/sshd.pid`,
        'LogLevel VERBOSE',
        `SetEnv SLURM_CONF=${slurmConf}`,
        '',
      ].join('\n'),
    );
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    must(SSHD, ['-t', '-f', conf]);
    const out = fs.openSync(path.join(scratch, 'sshd.stdout'), 'a');
    const sshd = spawn(SSHD, ['-D', '-f', conf, '-E', started.log], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    started.pids.push(sshd.pid);
    const sock = path.join(scratch, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: ['ignore', 'ignore', 'ignore'] });
    started.pids.push(agent.pid);
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await sleep(50);
    must('ssh-add', ['-q', clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    Object.assign(started, {
      port,
      host: 'root@127.0.0.1',
      sshOptions: ['-p', String(port), '-o', `UserKnownHostsFile=${scratch}/known_hosts`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      env: { SSH_AUTH_SOCK: sock },
    });
    // Up when a login answers (BatchMode, as medssl does it).
    const t0 = Date.now();
    for (;;) {
      const r = spawnSync('ssh', ['-o', 'BatchMode=yes', ...started.sshOptions, started.host, '--', 'echo "$SLURM_CONF"'], {
        encoding: 'utf8',
        env: { ...process.env, ...started.env },
        timeout: 10_000,
      });
      if (r.status === 0 && r.stdout.trim() === slurmConf) break;
      if (!alive(sshd.pid) || Date.now() - t0 > 15_000)
        throw new Error(`no ssh login to our sshd on port ${port}: ${r.stderr.trim() || r.stdout.trim()} (log: ${started.log})`);
      await sleep(200);
    }
    log(`sshd on 127.0.0.1:${port} and ssh-agent up in ${((Date.now() - t0) / 1000).toFixed(1)} s (pids ${started.pids.join(', ')})`);
    return started;
  } catch (e) {
    await stopSshd(started, log);
    throw e;
  }
}

export async function stopSshd(started, log = console.log) {
  for (const pid of started.pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 25 && started.pids.some(alive); i++) await sleep(100);
  for (const pid of started.pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const f of ['host_ed25519', 'client_ed25519']) fs.rmSync(path.join(started.scratch, f), { force: true });
  log(`sshd and ssh-agent stopped (${started.pids.join(', ')})`);
}
