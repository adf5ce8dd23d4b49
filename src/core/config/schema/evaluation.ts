/** The config's `evaluation` section: linear probe, segmentation fine-tuning and the overlay slices. */
import * as z from 'zod';
import { posInt, nonNegInt } from './common';

export const linearEvalSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Linear evaluation after pretraining: the encoder frozen in evaluation mode (BatchNorm and whitening running statistics), a 1×1 convolution on its last feature map, upsampled bilinearly to the slice size; only the 1×1 convolution trains.',
      ),
    epochs: posInt()
      .default(30)
      .describe('Passes over the training slices of the labelled cases (features of the frozen encoder are computed once and cached).'),
    batchSize: posInt().default(32).describe('Slices per step of the head.'),
    lr: z.number().positive().default(0.01).describe('Adam learning rate of the 1×1 convolution.'),
    diceWeight: z.number().min(0).default(1).describe('Loss = cross-entropy + diceWeight · soft Dice loss (mean over foreground classes).'),
  })
  .prefault({})
  .describe('Linear evaluation (METHOD.md, "Downstream segmentation"): frozen encoder + 1×1 convolution.');

export const finetuneSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Fine-tuning after pretraining: the whole encoder and a decoder trained end to end.'),
    decoder: z
      .enum(['unet', 'deeplabv3plus'])
      .default('unet')
      .describe(
        "'unet': a light U-Net decoder on the four stage maps (the CPU default). 'deeplabv3plus': ASPP on the last stage + low-level skip from stage 1 (what the authors used).",
      ),
    init: z
      .enum(['pretrained', 'random'])
      .default('pretrained')
      .describe(
        "'pretrained': the encoder starts from the pretraining's final checkpoint. 'random': from a random initialisation (the 'no pretraining' row).",
      ),
    epochs: posInt().default(20).describe('Fine-tuning epochs over the training slices of the labelled cases.'),
    batchSize: z.int().min(2).default(16).describe('Slices per step (BatchNorm needs at least 2).'),
    lr: z.number().positive().default(0.001).describe('Adam learning rate (encoder and decoder).'),
    labelFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe('Fraction of the training **cases** whose labels are used (e.g. 0.1 for 10%); at least one case.'),
    diceWeight: z.number().min(0).default(1).describe('Loss = cross-entropy + diceWeight · soft Dice loss.'),
  })
  .prefault({})
  .describe('Fine-tuning (METHOD.md, "Downstream segmentation"): encoder + U-Net or DeepLabv3+ decoder.');

export const evaluationSchema = z
  .strictObject({
    linear: linearEvalSchema,
    finetune: finetuneSchema,
    overlaySlices: nonNegInt()
      .default(48)
      .describe(
        'Held-out slices stored in overlays/ (image, truth, prediction; evenly spaced, plus the worst slice of each class). 0: none.',
      ),
  })
  .prefault({})
  .describe(
    'Downstream segmentation after pretraining, on the labelled held-out split (split by case): Dice per class per volume, per-case table in metrics.json.',
  );
