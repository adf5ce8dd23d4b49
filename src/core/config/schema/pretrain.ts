/** The config's `pretrain` and `diagnostics` sections: optimisation schedule, checkpoints and collapse probes. */
import * as z from 'zod';
import { posInt, nonNegInt } from './common';

export const pretrainSchema = z
  .strictObject({
    epochs: posInt().default(200).describe('Pretraining epochs (passes over the training slices).'),
    batchSize: z.int().min(2).default(256).describe('Images per step (BatchNorm needs at least 2). The authors used 64.'),
    lr: z
      .union([z.literal('auto'), z.number().positive()], { error: "must be 'auto' or a number > 0" })
      .default('auto')
      .describe("Base learning rate of SGD; 'auto' = 0.03 × batchSize / 256 (MoCo v2's linear scaling)."),
    momentum: z.number().min(0).lt(1).default(0.9).describe('SGD momentum.'),
    weightDecay: z.number().min(0).default(1e-4).describe('SGD weight decay (the authors used 1e-6).'),
    warmupEpochs: z
      .number()
      .min(0)
      .default(0)
      .describe('Linear learning-rate warm-up, in epochs (fractions allowed), before the schedule.'),
    schedule: z
      .enum(['cosine', 'constant'])
      .default('cosine')
      .describe("Learning-rate schedule per step after the warm-up: 'cosine' decay to 0, or 'constant'."),
    checkpointEvery: nonNegInt()
      .default(500)
      .describe(
        'Save a checkpoint every N steps (0: only at the end and on cancel). Checkpoints hold both encoders and projectors, optimizer state, queue, RNG state and schedule position.',
      ),
    workers: z
      .union([z.literal('auto'), posInt()], { error: "must be 'auto' or a whole number ≥ 1" })
      .default('auto')
      .describe(
        "Data-parallel worker threads on the wasm backend ('auto' = one per core, at most 2). The queue is fed by the keys of every worker.",
      ),
  })
  .prefault({})
  .describe('The pretraining loop: SGD with momentum and weight decay, linear warm-up then cosine decay per step.');

export const diagnosticsSchema = z
  .strictObject({
    everyEpochs: posInt().default(10).describe('Compute the collapse diagnostics every N epochs (and at the end).'),
    slices: posInt()
      .default(512)
      .describe(
        'Held-out slices embedded (encoder in evaluation mode) for the spectra: sorted eigenvalues of the covariance of the L2-normalised representation and embedding, effective rank, dims for 99% variance, alignment and uniformity.',
      ),
  })
  .prefault({})
  .describe('Collapse diagnostics (METHOD.md, "Measuring collapse"), written to diagnostics/<step>.json and as scalar events.');
