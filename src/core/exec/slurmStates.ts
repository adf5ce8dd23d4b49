/**
 * Reading Slurm's answers: `squeue -h -r -t all -o '%i %T'` lines (`12_0 RUNNING`, and pending array
 * tasks grouped as `12_[1-3,5] PENDING` when -r is not honoured), `sacct -n -X -P -o JobID,State` lines
 * (`12_0|CANCELLED by 0`), `sbatch --parsable` output, and Slurm states → run statuses with plain reasons.
 */
import type { ClusterJobState } from './types';

/** Expands `12_[1-3,5]` into 12_1, 12_2, 12_3, 12_5; other ids are returned as they are. */
export function expandJobIds(id: string): string[] {
  const m = /^(\d+)_\[([\d,\-%]+)\]$/.exec(id);
  if (!m) return [id];
  const out: string[] = [];
  for (const part of m[2].split('%')[0].split(',')) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!r) continue;
    const a = Number(r[1]);
    const b = r[2] === undefined ? a : Number(r[2]);
    for (let i = a; i <= b && out.length < 100_000; i++) out.push(`${m[1]}_${i}`);
  }
  return out;
}

/** Slurm state (PENDING, TIMEOUT, CANCELLED by 0, …) → what a run's status reads. */
export function fromSlurmState(stateWord: string): ClusterJobState {
  const raw = stateWord.trim().split(/\s+/)[0].replace(/\+$/, '').toUpperCase();
  switch (raw) {
    case 'PENDING':
    case 'CONFIGURING':
    case 'REQUEUED':
    case 'REQUEUE_HOLD':
    case 'REQUEUE_FED':
    case 'RESV_DEL_HOLD':
    case 'SUSPENDED':
    case 'STOPPED':
    case 'RESIZING':
      return { status: 'queued', raw };
    case 'RUNNING':
    case 'COMPLETING':
    case 'SIGNALING':
    case 'STAGE_OUT':
      return { status: 'running', raw };
    case 'COMPLETED':
      return { status: 'completed', raw };
    case 'CANCELLED':
      return { status: 'cancelled', raw, reason: 'the Slurm job was cancelled (scancel)' };
    case 'TIMEOUT':
      return { status: 'failed', raw, reason: 'the Slurm time limit was reached (executor.slurm.time) and the job was not requeued' };
    case 'NODE_FAIL':
      return {
        status: 'failed',
        raw,
        reason: 'the compute node failed; the job was not requeued (Resume Run continues from the last checkpoint)',
      };
    case 'BOOT_FAIL':
      return { status: 'failed', raw, reason: 'the compute node failed to boot' };
    case 'OUT_OF_MEMORY':
      return { status: 'failed', raw, reason: 'out of memory on the compute node: raise executor.slurm.mem' };
    case 'PREEMPTED':
      return { status: 'failed', raw, reason: 'the job was preempted by Slurm and not requeued' };
    case 'DEADLINE':
      return { status: 'failed', raw, reason: 'the job missed its deadline' };
    case 'FAILED':
      return { status: 'failed', raw, reason: 'the job exited with an error (see slurm-*.out in the run folder)' };
    default:
      return { status: 'unknown', raw: raw || 'UNKNOWN' };
  }
}

function parseLines(text: string, split: (line: string) => [string, string] | null): Map<string, ClusterJobState> {
  const out = new Map<string, ClusterJobState>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const p = split(t);
    if (!p) continue;
    const state = fromSlurmState(p[1]);
    for (const id of expandJobIds(p[0])) out.set(id, state);
  }
  return out;
}

/** `squeue -h -r -t all -o '%i %T'` output → state per job id (`<array id>_<task>` for array tasks). */
export function parseSqueue(text: string): Map<string, ClusterJobState> {
  return parseLines(text, (t) => {
    const m = /^(\S+)\s+(\S+)/.exec(t);
    return m ? [m[1], m[2]] : null;
  });
}

/** `sacct -n -X -P -o JobID,State` output → state per job id. */
export function parseSacct(text: string): Map<string, ClusterJobState> {
  return parseLines(text, (t) => {
    const [id, state] = t.split('|');
    return id && state ? [id.trim(), state] : null;
  });
}

/** `sbatch --parsable` prints `<jobid>` or `<jobid>;<cluster>`. */
export function parseSbatchJobId(stdout: string): string | null {
  const m = /^(\d+)(?:;\S+)?\s*$/m.exec(stdout.trim());
  return m ? m[1] : null;
}

/** The array job id of `12_3` (12); plain ids as they are. */
export function arrayJobId(id: string): string {
  return id.split('_')[0];
}
