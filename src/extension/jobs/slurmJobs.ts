/**
 * Slurm runs in the extension, without `vscode`: the `medssl submit` arguments from the medssl.slurm.*
 * settings (non-empty settings override the config's executor.slurm), reading its output, and following
 * submitted runs (squeue/sacct → run.json for what a job could not write itself, e.g. cancelled while
 * pending). Submitting and Stop (`medssl submit --cancel`) run the CLI in a child process.
 */
import { isTerminal, readRun, type RunJson } from '../../core/runs';
import { executorForRun, reconcileRun, type ClusterJobState } from '../../core/exec';
import { isRunEvent, parseWorkerLine } from '../../protocol/workerStdout';

export interface SlurmSettings {
  partition: string;
  gpus: number | null;
  cpus: number | null;
  mem: string;
  time: string;
  account: string;
  extraLines: string[];
  ssh: string;
  node: string;
}

/** `--set executor.slurm.<k>=<v>` for every non-empty setting (and executor.kind=slurm). */
export function slurmSetArgs(s: Partial<SlurmSettings>): string[] {
  const sets: string[] = ['executor.kind=slurm'];
  for (const k of ['partition', 'mem', 'time', 'account', 'ssh', 'node'] as const) {
    const v = s[k]?.trim();
    if (v) sets.push(`executor.slurm.${k}=${v}`);
  }
  for (const k of ['gpus', 'cpus'] as const) {
    const v = s[k];
    if (typeof v === 'number' && Number.isFinite(v)) sets.push(`executor.slurm.${k}=${v}`);
  }
  if (s.extraLines?.length) sets.push(`executor.slurm.extraLines=${JSON.stringify(s.extraLines)}`);
  return sets.flatMap((x) => ['--set', x]);
}

export function submitArgs(configFile: string, runsDir: string, settings: Partial<SlurmSettings>, backend?: string): string[] {
  return [
    'submit',
    configFile,
    '--runs-dir',
    runsDir,
    '--json',
    ...slurmSetArgs(settings),
    ...(backend && backend !== 'auto' ? ['--set', `backend=${backend}`] : []),
  ];
}

export interface SubmittedRun {
  id: string;
  dir: string;
  clusterJobId: string;
}

/** The runs `medssl submit --json` printed ({"type":"submitted",…} lines). */
export function parseSubmitOutput(stdout: string): SubmittedRun[] {
  const out: SubmittedRun[] = [];
  for (const line of stdout.split('\n')) {
    const v = parseWorkerLine(line);
    if (v && !isRunEvent(v) && v.type === 'submitted') out.push({ id: v.id, dir: v.dir, clusterJobId: v.clusterJobId });
  }
  return out;
}

/** The last line of stderr that says something (what the CLI's error is). */
export function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('warning:'));
  return (lines.pop() ?? '').replace(/^medssl: /, '');
}

/** A run submitted to a cluster (Stop = scancel), not one of this machine's processes. */
export function isClusterRun(run: Pick<RunJson, 'clusterJobId'> | undefined): boolean {
  return !!run?.clusterJobId;
}

/**
 * Brings the given non-final cluster runs in line with the scheduler (one squeue per executor).
 * Returns how many run.json files changed. Errors (no squeue here, ssh down) are returned, not thrown.
 */
export async function followClusterRuns(dirs: string[], cli: string): Promise<{ changed: number; errors: string[] }> {
  let changed = 0;
  const errors: string[] = [];
  for (const dir of dirs) {
    let run: RunJson;
    try {
      run = readRun(dir);
    } catch {
      continue;
    }
    if (!run.clusterJobId || isTerminal(run.status)) continue;
    try {
      const ex = await executorForRun(dir, run.clusterJobId, cli);
      const s: ClusterJobState | undefined = (await ex.states([run.clusterJobId])).get(run.clusterJobId);
      if (s && reconcileRun(dir, s)) changed++;
    } catch (e) {
      errors.push(`${run.id}: ${(e as Error).message}`);
    }
  }
  return { changed, errors };
}
