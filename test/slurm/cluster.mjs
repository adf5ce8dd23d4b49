// A single-node Slurm cluster on localhost in a scratch folder (docs/DEVELOPMENT.md, "The slurm
// layer"): munged (as the munge user, unless one already runs), slurmctld and slurmd in the foreground
// as child processes. stop() ends exactly what start() started: `scontrol shutdown`, then each pid.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Why a real Slurm cannot run here (null when it can). */
export function slurmMissing() {
  for (const b of ['slurmctld', 'slurmd', 'munged', 'sbatch', 'squeue', 'scontrol']) {
    const r = spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' });
    if (r.status !== 0) return `${b} is not installed (apt-get install --no-install-recommends slurm-wlm munge)`;
  }
  if (process.getuid?.() !== 0) return 'the Slurm test starts slurmd and munged: it needs root';
  return null;
}

function pgrepExact(name) {
  const r = spawnSync('pgrep', ['-x', name], { encoding: 'utf8' });
  const pids = r.status === 0 ? r.stdout.trim().split('\n').map(Number) : [];
  // A zombie (exited, not reaped) is not a running daemon.
  return pids.filter((p) => {
    try {
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

export async function startCluster(log = console.log) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-slurm-'));
  const conf = path.join(scratch, 'slurm.conf');
  const started = { scratch, conf, pids: [], mungePid: null, env: { ...process.env, SLURM_CONF: conf } };
  for (const d of ['state', 'spool', 'log']) fs.mkdirSync(path.join(scratch, d));
  const cpus = os.cpus().length;
  const memMb = Math.floor(os.totalmem() / 2 ** 20) - 1024;
  fs.writeFileSync(
    conf,
    [
      'ClusterName=medssltest',
      'SlurmctldHost=localhost',
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      'AuthInfo=cred_expire=5',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=sched_interval=2,bf_interval=1',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'KillWait=30',
      'MinJobAge=300',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${scratch}/log/jobcomp.txt`,
      `StateSaveLocation=${scratch}/state`,
      `SlurmdSpoolDir=${scratch}/spool`,
      `SlurmctldPidFile=${scratch}/slurmctld.pid`,
      `SlurmdPidFile=${scratch}/slurmd.pid`,
      `SlurmctldLogFile=${scratch}/log/slurmctld.log`,
      `SlurmdLogFile=${scratch}/log/slurmd.log`,
      'SlurmctldPort=16817',
      'SlurmdPort=16818',
      `NodeName=localhost CPUs=${cpus} RealMemory=${memMb} State=UNKNOWN`,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  // munged: one per machine; start it (as munge: as root it refuses, "Logfile is insecure") only if none runs.
  if (pgrepExact('munged').length === 0) {
    fs.mkdirSync('/run/munge', { recursive: true });
    spawnSync('chown', ['munge:munge', '/run/munge']);
    const m = spawnSync('runuser', ['-u', 'munge', '--', 'munged'], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`munged did not start: ${m.stderr.trim()}`);
    for (let i = 0; i < 50 && !fs.existsSync('/run/munge/munged.pid'); i++) await sleep(100);
    started.mungePid = Number(fs.readFileSync('/run/munge/munged.pid', 'utf8').trim());
    log(`munged started (pid ${started.mungePid})`);
  } else {
    log('munged already running: using it');
  }
  const daemon = (cmd, args) => {
    const out = fs.openSync(path.join(scratch, 'log', `${cmd}.stdout`), 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: started.env });
    fs.closeSync(out);
    started.pids.push(child.pid);
    return child;
  };
  daemon('slurmctld', ['-D', '-c', '-f', conf]);
  daemon('slurmd', ['-D', '-f', conf, '-N', 'localhost']);
  const t0 = Date.now();
  for (;;) {
    const ping = spawnSync('scontrol', ['ping'], { env: started.env, encoding: 'utf8' });
    const node = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env: started.env, encoding: 'utf8' });
    if (ping.status === 0 && /UP/.test(ping.stdout) && node.stdout.trim() === 'idle') break;
    if (Date.now() - t0 > 30_000) {
      await stopCluster(started, log);
      throw new Error(`the cluster did not come up in 30 s: ${ping.stdout.trim()} ${node.stdout.trim()} (logs in ${scratch}/log)`);
    }
    await sleep(250);
  }
  log(`Slurm up in ${((Date.now() - t0) / 1000).toFixed(1)} s (slurmctld, slurmd: ${started.pids.join(', ')}; ${cpus} CPUs, ${memMb} MB)`);
  return started;
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopCluster(started, log = console.log) {
  spawnSync('scontrol', ['shutdown'], { env: started.env, timeout: 10_000 });
  for (let i = 0; i < 50 && started.pids.some(alive); i++) await sleep(200);
  for (const pid of started.pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (started.mungePid && alive(started.mungePid)) process.kill(started.mungePid, 'SIGTERM');
  log(`Slurm stopped (${[...started.pids, ...(started.mungePid ? [started.mungePid] : [])].join(', ')})`);
}
