import { spawn } from 'node:child_process';
import type { NodeRuntime } from './nodeRuntime';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dist/cli.js <args>` in a child process (never in the extension host) and collects its output; `signal` aborts it (SIGTERM). */
export function runCli(
  runtime: NodeRuntime,
  cliPath: string,
  args: string[],
  opts: { cwd?: string; onStderr?: (s: string) => void; signal?: AbortSignal } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.command, [cliPath, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...runtime.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    child.on('error', (e) => reject(new Error(`could not start the worker '${runtime.command}': ${e.message}`)));
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
