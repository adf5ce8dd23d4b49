/** The config's `model` section: encoder architecture, whitening layer, initialisation and projector. */
import * as z from 'zod';
import { posInt, fraction, ITERNORM_MAX_ITERATIONS } from './common';

export const whiteningSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Feature decorrelation (remedy 2): replace the last normalisation layer of the last backbone stage by a whitening layer. Off for the MoCo v2 baseline.',
      ),
    method: z
      .enum(['iternorm', 'zca'])
      .default('iternorm')
      .describe(
        "'iternorm' (the authors' code): per group, T Newton steps P ← 1.5P − 0.5P³Σ from P = I, trace-normalised. 'zca' (the paper's wording): coupled Newton–Schulz iteration to full ZCA whitening, stopping early when ‖WΣW − I‖ is small.",
      ),
    groupSize: posInt()
      .default(64)
      .describe(
        'Channels per whitening group (must divide the channel count of the last stage; clamped to it). Groups of 64 whiten fully; one wide group with 5 steps only flattens the top of the spectrum.',
      ),
    iterations: posInt()
      .optional()
      .describe(
        `Newton steps T. Default 5 for iternorm (at most ${ITERNORM_MAX_ITERATIONS}: the uncoupled recursion diverges in float32 beyond), 20 for zca (a maximum; it stops early).`,
      ),
    eps: z.number().min(0).default(1e-5).describe('ε added to the covariance diagonal (Σ + εI).'),
    momentum: fraction()
      .default(0.1)
      .describe('Momentum of the running mean and running whitening matrix used in evaluation mode (weight of the new batch value).'),
    position: z
      .enum(['lastNorm', 'beforePool'])
      .default('lastNorm')
      .describe(
        "Where the whitening layer sits. 'lastNorm' (the authors' code): it replaces the last normalisation of the last block, before the residual sum, so the shortcut and ReLU follow it. 'beforePool': the last block keeps its BatchNorm; the whitening acts on the last block's output (after the residual sum and ReLU), just before the global pooling, so the pooled vector, the projector and the local loss see whitened features.",
      ),
  })
  .transform((w) => ({ ...w, iterations: w.iterations ?? (w.method === 'zca' ? 20 : 5) }))
  .prefault({})
  .describe(
    'Feature decorrelation by whitening (METHOD.md, remedy 2). Running statistics are saved in checkpoints and used by downstream jobs.',
  );

export const modelSchema = z
  .strictObject({
    arch: z
      .enum(['resnet18', 'resnet34', 'resnet50'])
      .default('resnet50')
      .describe('2-D ResNet backbone, 1-channel input. ResNet-50 for GPU runs (the paper); ResNet-18, optionally narrower, for CPU runs.'),
    widths: z
      .tuple([posInt(), posInt(), posInt(), posInt()])
      .optional()
      .describe(
        'Stage widths [w1, w2, w3, w4]; overrides widthMultiplier. For resnet50 these are the bottleneck inner widths (each stage outputs 4×). Default [64, 128, 256, 512] × widthMultiplier.',
      ),
    widthMultiplier: z
      .number()
      .positive()
      .default(1)
      .describe('Scales the standard widths [64, 128, 256, 512] (e.g. 0.25 for a narrow CPU model). Ignored when widths is given.'),
    stem: z
      .enum(['imagenet', 'small'])
      .default('imagenet')
      .describe(
        "'imagenet': 7×7 stride-2 convolution and 3×3 stride-2 max-pool (stride 4). 'small': one 3×3 stride-1 convolution, for small inputs (keeps the feature maps large enough for the local loss).",
      ),
    repeatToThreeChannels: z
      .boolean()
      .default(false)
      .describe('Repeat the 1-channel slice to 3 channels (for encoders that expect RGB input).'),
    whitening: whiteningSchema,
    init: z
      .strictObject({
        from: z
          .string()
          .min(1)
          .describe(
            'A .safetensors file holding a torchvision ResNet encoder (e.g. ImageNet weights saved from PyTorch, or `medssl export` of another run). Relative paths are relative to the config file. A 3-channel conv1 is summed to the 1-channel input; fc and projector tensors are ignored; the whitening layer keeps its own initialisation.',
          ),
      })
      .optional()
      .describe(
        'Start the encoder from existing weights instead of a random initialisation. Every tensor name and shape is checked by `medssl validate`.',
      ),
    projector: z
      .strictObject({
        hiddenDim: posInt().optional().describe('Hidden width of the projector MLP. Default: the backbone feature dimension d.'),
        outDim: posInt()
          .default(128)
          .describe(
            'Output (embedding) dimension of the projector: global average pool, Linear(d, d), ReLU, Linear(d, outDim); no BatchNorm. Must equal ssl.embeddingDim.',
          ),
      })
      .prefault({})
      .describe('MoCo v2 projection head on the pooled backbone features.'),
  })
  .prefault({})
  .describe('The encoder: ResNet backbone, optional whitening layer, projector.');
