/**
 * The local executor: the tasks of a batch run one after the other on this machine in one detached
 * shell (`medssl task <runDir>` each), job id `local-<pid>_<i>`. Stop = SIGTERM to the shell's process
 * group (the running task checkpoints and is cancelled; the queued ones never start).
 */
import { spawn } from 'node:child_process';
import { shellQuote } from './commandRunner';
import type { ScriptPaths } from './sbatchScript';
import { ExecutorError, type ClusterJobState, type Executor, type PreparedBatch } from './types';

function pidOf(id: string): number | null {
  const m = /^local-(\d+)_\d+$/.exec(id);
  return m ? Number(m[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LocalExecutor implements Executor {
  readonly kind = 'local';

  constructor(private readonly paths: ScriptPaths) {}

  submit(batch: PreparedBatch, beforeStart: (ids: string[]) => void): Promise<string[]> {
    // The shell waits on stdin until the ids are recorded, then runs the tasks in order.
    const script = [
      'read -r go || exit 1',
      ...batch.runDirs.map((d) => `${shellQuote(this.paths.node)} ${shellQuote(this.paths.cli)} task ${shellQuote(d)}`),
    ].join('\n');
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', script], { cwd: batch.cwd, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', (e) => reject(new ExecutorError(`could not start the local tasks: ${e.message}`)));
      child.on('spawn', () => {
        const ids = batch.runDirs.map((_, i) => `local-${child.pid}_${i}`);
        try {
          beforeStart(ids);
        } catch (e) {
          child.kill('SIGKILL');
          reject(e as Error);
          return;
        }
        child.stdin.end('go\n');
        child.unref();
        resolve(ids);
      });
    });
  }

  async states(ids: string[]): Promise<Map<string, ClusterJobState>> {
    const out = new Map<string, ClusterJobState>();
    for (const id of ids) {
      const pid = pidOf(id);
      out.set(
        id,
        pid !== null && alive(pid)
          ? { status: 'running', raw: 'ALIVE' }
          : { status: 'cancelled', raw: 'ENDED', reason: 'the local task shell ended (stopped) before this run finished' },
      );
    }
    return out;
  }

  async cancel(ids: string[]): Promise<void> {
    for (const pid of new Set(ids.map(pidOf))) {
      if (pid === null) continue;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
}
