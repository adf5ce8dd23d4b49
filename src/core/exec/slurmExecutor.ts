/**
 * The Slurm executor: writes the job script beside the submission's task symlinks, submits it with
 * `sbatch --parsable --hold` (here or over ssh), lets the caller record the job ids in run.json, then
 * `scontrol release`s the array. States from `squeue` (finished jobs stay there MinJobAge, 300 s by
 * default), then `sacct` for the ones squeue no longer knows. Stop = `scancel`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SlurmConfig } from '../config/types';
import { processRunner, type CommandRunner } from './commandRunner';
import { renderSbatchScript, submissionDir, type ScriptPaths } from './sbatchScript';
import { translateSlurmFailure } from './slurmErrors';
import { arrayJobId, parseSacct, parseSbatchJobId, parseSqueue } from './slurmStates';
import { ExecutorError, type ClusterJobState, type Executor, type PreparedBatch } from './types';

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  private readonly run: CommandRunner;

  constructor(
    private readonly slurm: SlurmConfig,
    private readonly paths: ScriptPaths,
    runner?: CommandRunner,
  ) {
    this.run = runner ?? processRunner(slurm.ssh, undefined, slurm.sshOptions);
  }

  async submit(batch: PreparedBatch, beforeStart: (ids: string[]) => void): Promise<string[]> {
    const script = renderSbatchScript(batch, this.slurm, this.paths);
    const dir = submissionDir(batch);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'job.sbatch'), script, { mode: 0o755 });
    batch.runDirs.forEach((d, i) => fs.symlinkSync(d, path.join(dir, String(i)), 'dir'));
    // The script goes on stdin: over ssh it need not be copied; on disk it stays as the record.
    const r = await this.run('sbatch', ['--parsable', '--hold'], script);
    if (r.code !== 0 || r.spawnError) throw translateSlurmFailure('sbatch', r, this.slurm);
    const id = parseSbatchJobId(r.stdout);
    if (!id) throw new ExecutorError(`sbatch printed no job id (it said: ${r.stdout.trim() || r.stderr.trim() || 'nothing'})`);
    const ids = batch.runDirs.map((_, i) => `${id}_${i}`);
    try {
      beforeStart(ids);
    } catch (e) {
      await this.run('scancel', [id]);
      throw e;
    }
    const rel = await this.run('scontrol', ['release', id]);
    if (rel.code !== 0 || rel.spawnError) {
      await this.run('scancel', [id]);
      throw translateSlurmFailure('scontrol', rel, this.slurm);
    }
    return ids;
  }

  async states(ids: string[]): Promise<Map<string, ClusterJobState>> {
    const out = new Map<string, ClusterJobState>();
    if (!ids.length) return out;
    const arrays = [...new Set(ids.map(arrayJobId))];
    const q = await this.run('squeue', ['-h', '-r', '-t', 'all', '-o', '%i %T', '-j', arrays.join(',')]);
    // squeue exits 1 with "Invalid job id specified" when every job has left its list: not an error here.
    if (q.spawnError) throw translateSlurmFailure('squeue', q, this.slurm);
    const known = withArrayRecords(ids, parseSqueue(q.code === 0 ? q.stdout : ''));
    const missing = ids.filter((i) => !known.has(i));
    let acct = new Map<string, ClusterJobState>();
    if (missing.length) {
      const a = await this.run('sacct', ['-n', '-X', '-P', '-o', 'JobID,State', '-j', [...new Set(missing.map(arrayJobId))].join(',')]);
      if (a.code === 0) acct = withArrayRecords(missing, parseSacct(a.stdout));
    }
    for (const i of ids) out.set(i, known.get(i) ?? acct.get(i) ?? { status: 'unknown', raw: 'UNKNOWN' });
    return out;
  }

  async cancel(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const r = await this.run('scancel', ids);
    if (r.code !== 0 || r.spawnError) throw translateSlurmFailure('scancel', r, this.slurm);
  }
}

/**
 * Array tasks that never left the array's own record (e.g. cancelled while pending) are listed under the
 * plain array id (`12 CANCELLED`), not as `12_0`: they take that record's state.
 */
export function withArrayRecords(ids: string[], states: Map<string, ClusterJobState>): Map<string, ClusterJobState> {
  const out = new Map(states);
  for (const id of ids) {
    const array = arrayJobId(id);
    if (!out.has(id) && array !== id && states.has(array)) out.set(id, states.get(array)!);
  }
  return out;
}
