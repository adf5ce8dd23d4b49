/** What a Slurm command's failure means for a person: sbatch missing, partition unknown, job rejected, ssh. */
import type { SlurmConfig } from '../config/types';
import type { CommandResult } from './commandRunner';
import { ExecutorError } from './types';

export const SBATCH_MISSING = 'sbatch not found on PATH — is this a Slurm login node? set medssl.slurm.ssh to submit over SSH';

/** Slurm's stderr without its "sbatch: error: " prefixes, on one line. */
export function slurmSaid(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^\s*(sbatch|squeue|scancel|scontrol|sacct|srun)?:?\s*(error|fatal)?:\s*/i, '').trim())
    .filter(Boolean)
    .join('; ');
}

/** A failed Slurm command → ExecutorError with a plain message. */
export function translateSlurmFailure(
  command: string,
  r: CommandResult,
  slurm: Pick<SlurmConfig, 'partition' | 'account' | 'gpus' | 'cpus' | 'mem' | 'time' | 'ssh'>,
): ExecutorError {
  if (r.spawnError) {
    if (r.spawnError.code === 'ENOENT') {
      if (slurm.ssh) return new ExecutorError(`ssh not found on PATH: it is needed to submit to '${slurm.ssh}' (medssl.slurm.ssh)`);
      return new ExecutorError(
        command === 'sbatch'
          ? SBATCH_MISSING
          : `${command} not found on PATH — is this a Slurm login node? set medssl.slurm.ssh to submit over SSH`,
      );
    }
    return new ExecutorError(`could not start ${command}: ${r.spawnError.message}`);
  }
  const said = slurmSaid(r.stderr);
  if (slurm.ssh && r.code === 255)
    return new ExecutorError(`could not reach the login node '${slurm.ssh}' over SSH (medssl.slurm.ssh): ${said || 'ssh exited with 255'}`);
  if (slurm.ssh && r.code === 127 && /not found/i.test(r.stderr))
    return new ExecutorError(`${command} not found on '${slurm.ssh}' — is it a Slurm login node? (medssl.slurm.ssh)`);
  if (/invalid partition/i.test(said))
    return new ExecutorError(
      `partition '${slurm.partition ?? '(default)'}' is unknown to the cluster (executor.slurm.partition / medssl.slurm.partition; \`sinfo -s\` lists them). Slurm said: ${said}`,
    );
  if (/invalid account/i.test(said))
    return new ExecutorError(
      `account '${slurm.account ?? '(default)'}' is not valid for you on this cluster (executor.slurm.account). Slurm said: ${said}`,
    );
  if (/node configuration is not available|gres|more processors than permitted|memory specification/i.test(said))
    return new ExecutorError(
      `no node of the partition has what the job asks (gpus ${slurm.gpus}, cpus ${slurm.cpus}${slurm.mem ? `, mem ${slurm.mem}` : ''}): lower executor.slurm.gpus/cpus/mem or choose another partition. Slurm said: ${said}`,
    );
  if (/time limit/i.test(said))
    return new ExecutorError(
      `the time limit '${slurm.time ?? '(default)'}' is not allowed on the partition (executor.slurm.time). Slurm said: ${said}`,
    );
  if (command === 'sbatch') return new ExecutorError(`the cluster rejected the job: ${said || `sbatch exited with ${String(r.code)}`}`);
  return new ExecutorError(`${command} failed: ${said || `exit ${String(r.code)}`}`);
}
