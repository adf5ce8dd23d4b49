/** The config's `executor` section: local or Slurm job submission. */
import * as z from 'zod';
import { posInt, nonNegInt } from './common';

export const slurmSchema = z
  .strictObject({
    partition: z.string().min(1).optional().describe("Slurm partition (sbatch --partition); absent: the cluster's default partition."),
    gpus: nonNegInt().default(0).describe('GPUs per task (sbatch --gres=gpu:N); 0: none.'),
    cpus: posInt().default(2).describe('CPU cores per task (sbatch --cpus-per-task).'),
    mem: z
      .string()
      .regex(/^\d+[KMGT]?$/, 'must be a number with an optional K, M, G or T suffix (e.g. 16G)')
      .optional()
      .describe("Memory per task (sbatch --mem, e.g. 16G); absent: the partition's default."),
    time: z
      .union([posInt(), z.string().regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'must be a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS')], {
        error: 'must be a Slurm time limit: minutes (a number), "HH:MM:SS" or "D-HH:MM:SS"',
      })
      .optional()
      .describe(
        'Time limit per task (sbatch --time, e.g. 04:00:00). Near the limit the run checkpoints, the job requeues itself and resumes from the checkpoint.',
      ),
    account: z.string().min(1).optional().describe('Slurm account to charge (sbatch --account).'),
    extraLines: z
      .array(z.string())
      .default([])
      .describe('Lines added to the job script after the #SBATCH header (e.g. module load cuda/12.2, or extra #SBATCH lines).'),
    ssh: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Submit over `ssh <host>` to a login node (key-based login). The run folders and dist/cli.js must be on a file system both machines see at the same path.',
      ),
    sshOptions: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Options for that ssh, placed before the host (e.g. ["-p", "2222"], ["-J", "gateway.example.org"], ["-o", "UserKnownHostsFile=~/.ssh/cluster_hosts"]); BatchMode=yes is always set.',
      ),
    node: z
      .string()
      .min(1)
      .optional()
      .describe('The Node.js executable on the compute nodes; default: this Node when submitting on this machine, `node` over SSH.'),
    cli: z.string().min(1).optional().describe('dist/cli.js as the compute nodes see it; default: the one submitting.'),
    signalSeconds: posInt()
      .default(60)
      .describe(
        'Seconds before the time limit at which the job is signalled: the run saves a checkpoint and the job requeues itself to resume from it.',
      ),
  })
  .prefault({})
  .describe(
    'Slurm resources and submission, used by `medssl submit` and MedSSL: Train on Slurm… (settings medssl.slurm.* fill what is absent).',
  );

export const executorSchema = z
  .strictObject({
    kind: z
      .enum(['local', 'slurm'])
      .default('slurm')
      .describe(
        "Where `medssl submit` runs the jobs. 'slurm' (default): one job array on a Slurm cluster, one task per variant. 'local': one after the other on this machine, detached. (`medssl run` always runs here.)",
      ),
    slurm: slurmSchema,
  })
  .describe('Where the jobs run. Optional: without it they run on this machine.');
