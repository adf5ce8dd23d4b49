/** Running the Slurm commands (sbatch, squeue, scancel, …) here or over `ssh <host>` on a login node. */
import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code (null when it could not start or was killed). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (e.g. ENOENT: not on PATH). */
  spawnError?: NodeJS.ErrnoException;
}

export type CommandRunner = (command: string, args: string[], input?: string) => Promise<CommandResult>;

/** POSIX shell quoting of one word (for scripts and ssh command lines). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv that runs `command args` here, or on `ssh` (BatchMode: never a password prompt in a job),
 * with the user's ssh options (port, ProxyJump, known hosts file…) before the host.
 */
export function commandLine(command: string, args: string[], ssh?: string, sshOptions: readonly string[] = []): [string, string[]] {
  if (!ssh) return [command, args];
  return ['ssh', ['-o', 'BatchMode=yes', ...sshOptions, ssh, '--', [command, ...args].map(shellQuote).join(' ')]];
}

/** Runs commands as child processes, on this machine or over ssh (with sshOptions before the host). */
export function processRunner(ssh?: string, timeoutMs = 60_000, sshOptions: readonly string[] = []): CommandRunner {
  return (command, args, input) =>
    new Promise((resolve) => {
      const [cmd, argv] = commandLine(command, args, ssh, sshOptions);
      const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      // A hung command (ssh waiting on the network) is ended; the timer never keeps the process alive.
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      timer.unref();
      let stdout = '';
      let stderr = '';
      let done = false;
      const settle = (r: CommandResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      // A program that could not start (ENOENT: not on PATH) may never emit 'close': answer at once.
      child.on('error', (e) => child.pid === undefined && settle({ code: null, stdout, stderr, spawnError: e as NodeJS.ErrnoException }));
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(input ?? '');
      child.on('close', (code) => settle({ code, stdout, stderr }));
    });
}
