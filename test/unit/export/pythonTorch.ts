/**
 * Debian's python3-torch / python3-torchvision for the export tests: whether they import, and running a
 * python snippet that prints one JSON line. Tests skip with the printed reason when torch is absent.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.MEDSSL_PYTHON ?? '/usr/bin/python3';

let probe: string | null | undefined;

/** null when torch and torchvision import, else why not. */
export function torchMissing(): string | null {
  if (probe !== undefined) return probe;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  probe =
    r.status === 0
      ? null
      : `${PYTHON} cannot import torch and torchvision (${(r.error?.message ?? r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}); install python3-torch python3-torchvision`;
  if (probe) console.log(`skipped: ${probe}`);
  return probe;
}

/** Runs `code` with `cwd` as the working folder and on sys.path; returns the last stdout line parsed as JSON. */
export function runPython<T>(code: string, cwd: string): T {
  const r = spawnSync(PYTHON, ['-c', code], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PYTHONPATH: cwd, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
