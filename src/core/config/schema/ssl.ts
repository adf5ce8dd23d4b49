/** The config's `ssl` section: MoCo v2, local feature learning and the augmentations. */
import * as z from 'zod';
import { posInt, fraction } from './common';

export const localSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Local feature learning (remedy 1): a second InfoNCE between corresponding regions of the two views. Off for the MoCo v2 baseline.',
      ),
    weight: z.number().min(0).default(0.5).describe('λ: total loss = global InfoNCE + λ · local InfoNCE.'),
    temperature: z.number().positive().default(0.2).describe('Temperature of the local InfoNCE.'),
    grid: posInt()
      .default(3)
      .describe(
        'G: a G×G grid of regions laid inside the intersection of the two crop boxes, mapped into each view through its crop and flip.',
      ),
    minOverlap: fraction()
      .default(0.1)
      .describe(
        'Skip the local loss for a pair whose crop overlap is below this fraction of either view (the skips are counted in the events).',
      ),
    stage: z
      .union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)])
      .default(4)
      .describe(
        "Backbone stage whose feature map is pooled per region (4 = last, the authors' intent). Small inputs make it tiny (a 128×128 slice gives 4×4 at stage 4 with the imagenet stem): use 3, or stem 'small'.",
      ),
    crossImageNegatives: z
      .boolean()
      .default(false)
      .describe('Also use the regions of the other images in the batch as negatives (default: only the other regions of the same image).'),
    projectorDim: posInt().default(128).describe('Output dimension of the local projector (Linear, ReLU, Linear), L2-normalised.'),
  })
  .prefault({})
  .describe('Local feature learning (METHOD.md, remedy 1).');

export const augmentSchema = z
  .strictObject({
    cropScale: z
      .tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)])
      .default([0.2, 1])
      .describe(
        'Random resized crop: area range as fractions of the slice [min, max]. The crop box of each view is kept for the local loss.',
      ),
    flip: z.boolean().default(true).describe('Random horizontal flip (probability 0.5).'),
    rotationDeg: z.number().min(0).max(180).default(10).describe('Maximum absolute rotation in degrees (small).'),
    brightness: z.number().min(0).default(0.2).describe('Brightness jitter: add U(−b, b) in normalised intensity units.'),
    contrast: z.number().min(0).max(1).default(0.2).describe('Contrast jitter: scale around the mean by U(1 − c, 1 + c).'),
    gamma: z
      .number()
      .min(0)
      .default(0.25)
      .describe('Gamma jitter g: γ drawn in [1/(1 + g), 1 + g] (0.25 gives [0.8, 1.25]); windowed images only; 0 disables.'),
    blurProbability: fraction().default(0.5).describe('Probability of a Gaussian blur of a view.'),
    noiseStd: z
      .number()
      .min(0)
      .default(0.02)
      .describe('Standard deviation of added Gaussian noise (normalised intensity units); 0 disables.'),
  })
  .prefault({})
  .describe(
    'The two views of a slice: random resized crops with intensity jitter, blur, small rotation and flips. No hue or colour: CT is grey.',
  );

export const sslSchema = z
  .strictObject({
    method: z
      .enum(['mocov2'])
      .default('mocov2')
      .describe('Contrastive method: MoCo v2 (query encoder, momentum key encoder, queue of negatives).'),
    queueSize: posInt()
      .default(65536)
      .describe(
        'Number of negative keys in the queue (initialised with random unit vectors). Must be a multiple of pretrain.batchSize; small runs use a smaller queue.',
      ),
    momentum: z
      .number()
      .min(0)
      .max(1)
      .default(0.999)
      .describe(
        'Key encoder = exponential moving average of the query encoder with this momentum (BatchNorm running statistics are copied along).',
      ),
    temperature: z.number().positive().default(0.2).describe('InfoNCE temperature T: logits [positive, queue negatives] / T.'),
    embeddingDim: posInt()
      .default(128)
      .describe('Dimension of the L2-normalised embedding (the projector output); must equal model.projector.outDim.'),
    shuffleBn: z
      .enum(['shuffle', 'subbatch', 'none'])
      .default('shuffle')
      .describe(
        "Keeps the key encoder's BatchNorm statistics apart from the query's in one process (MoCo's shuffle BN is a multi-GPU trick). 'shuffle': key BatchNorm on a shuffled order of the key batch; 'subbatch': on sub-batches; 'none': off.",
      ),
    local: localSchema,
    augment: augmentSchema,
  })
  .prefault({})
  .describe('Self-supervised method: MoCo v2, the local loss and the augmentations.');
