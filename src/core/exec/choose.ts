/** Choosing the executor of a config (executor.kind) or of an existing run folder (its config.yaml). */
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import type { ExecutorConfig, SlurmConfig } from '../config/types';
import { CONFIG_YAML } from '../runs';
import { LocalExecutor } from './localExecutor';
import type { ScriptPaths } from './sbatchScript';
import { SlurmExecutor } from './slurmExecutor';
import type { Executor } from './types';

const SLURM_DEFAULTS: SlurmConfig = { gpus: 0, cpus: 2, extraLines: [], signalSeconds: 60 };

/** The config's slurm section with every default filled in (absent section: all defaults). */
export function withSlurmDefaults(slurm?: Partial<SlurmConfig>): SlurmConfig {
  const out: SlurmConfig = { ...SLURM_DEFAULTS, extraLines: [] };
  for (const [k, v] of Object.entries(slurm ?? {})) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

/** Node and dist/cli.js as the job sees them: the config's, else this Node (here) or `node` (over ssh), and `cli`. */
export function scriptPaths(slurm: SlurmConfig, cli: string): ScriptPaths {
  return { node: slurm.node ?? (slurm.ssh ? 'node' : process.execPath), cli: slurm.cli ?? path.resolve(cli) };
}

export function executorFor(executor: ExecutorConfig | undefined, kind: 'local' | 'slurm' | undefined, cli: string): Executor {
  const slurm = withSlurmDefaults(executor?.slurm);
  const k = kind ?? executor?.kind ?? 'slurm';
  return k === 'slurm' ? new SlurmExecutor(slurm, scriptPaths(slurm, cli)) : new LocalExecutor(scriptPaths(slurm, cli));
}

/** The executor that started a run folder: Slurm when run.json has a Slurm job id, with the run's own slurm section (e.g. its ssh host). */
export async function executorForRun(dir: string, clusterJobId: string, cli: string): Promise<Executor> {
  if (clusterJobId.startsWith('local-')) return executorFor(undefined, 'local', cli);
  let executor: ExecutorConfig | undefined;
  try {
    executor = (await loadConfig(path.join(dir, CONFIG_YAML))).config.executor;
  } catch {
    /* an unreadable config: Slurm on this machine */
  }
  return executorFor(executor, 'slurm', cli);
}
