/**
 * The one schema of an experiment config (zod v4): it validates, fills every default, and is the source
 * of the editor's JSON Schema (jsonSchema.ts) and of the hover docs (describe.ts). Descriptions and
 * defaults follow METHOD.md; where METHOD.md gives a paper value and a CPU value, the default is the
 * paper value and the examples/ configs show the small settings.
 *
 * No `vscode` and no TensorFlow import here: the extension host loads this module for diagnostics.
 */
import * as z from 'zod';
import type { ExperimentConfig } from './types';

/** Names usable as a folder name part (runId = <UTC timestamp>-<name>). */
export const CONFIG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * IterNorm's uncoupled Newton recursion turns to NaN in float32 beyond this many steps (measured in
 * models/whitening.ts, ITERNORM_MAX_STABLE_ITERATIONS; duplicated so that config does not load TensorFlow).
 */
export const ITERNORM_MAX_ITERATIONS = 10;

const posInt = () => z.int().min(1);
const nonNegInt = () => z.int().min(0);
const fraction = () => z.number().min(0).max(1);

const phantomSchema = z
  .strictObject({
    cases: posInt()
      .default(16)
      .describe('Number of phantom cases (volumes) generated. Cases, not slices, are split between training and held-out.'),
    slices: posInt().default(48).describe('Axial slices per phantom volume.'),
    seed: nonNegInt().default(0).describe('Phantom seed: with the case index it determines every voxel (independent of the run seed).'),
  })
  .prefault({})
  .describe('Built-in abdominal CT phantom (seeded, labelled structures in HU), used when data.source = phantom.');

const dataSchema = z
  .strictObject({
    source: z
      .enum(['phantom', 'folder'])
      .default('phantom')
      .describe(
        "'phantom': the built-in generated CT phantom (no download). 'folder': a dataset folder in any layout `medssl inspect` detects (MSD, nnU-Net v2, BTCV, AbdomenCT-1K, slice folders, unlabelled).",
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Dataset folder when source = folder. A relative path is relative to the config file; the resolved config holds the absolute path.',
      ),
    phantom: phantomSchema,
    size: posInt()
      .default(336)
      .describe(
        'In-plane size in pixels (square) that slices are resampled to, and the size of each augmented view. The paper: 512×512 slices, random crops of 336. Small CPU runs use 64–128.',
      ),
    window: z
      .enum(['abdomen', 'transunet', 'w400l40', 'zscore', 'none'])
      .default('zscore')
      .describe(
        "Intensity normalisation of HU values. 'zscore': (HU + 1024 − mean) / std, what the authors' code fed (no window). 'abdomen': clip to [−175, 250] HU and scale to [0, 1] (MONAI's BTCV recipe). 'transunet': [−125, 275]. 'w400l40': width 400, level 40. 'none': raw HU.",
      ),
    zscore: z
      .strictObject({
        mean: z.number().default(884.5).describe('Mean of HU + 1024 (the authors: 884.5).'),
        std: z.number().positive().default(983.7).describe('Standard deviation of HU + 1024 (the authors: 983.7).'),
      })
      .prefault({})
      .describe('Used when window = zscore: (HU + 1024 − mean) / std.'),
    foregroundOnly: z.boolean().default(false).describe('Keep only slices that contain foreground (needs labels).'),
    heldOutFraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0.2)
      .describe('Fraction of cases held out (split by case, never by slice) for the collapse diagnostics and evaluation.'),
  })
  .prefault({})
  .describe('Where the slices come from and how they are prepared.');

const whiteningSchema = z
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

const modelSchema = z
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

const localSchema = z
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

const augmentSchema = z
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

const sslSchema = z
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

const pretrainSchema = z
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

const diagnosticsSchema = z
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

const linearEvalSchema = z
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

const finetuneSchema = z
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

const evaluationSchema = z
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

const variantSchema = z
  .strictObject({
    name: z
      .string()
      .regex(CONFIG_NAME_PATTERN, 'must be 1–64 letters, digits, dots, dashes or underscores')
      .describe('Variant name; its run is named <config name>-<variant name>.'),
    set: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe("Overrides as path: value, like --set (e.g. 'ssl.local.enabled': false)."),
  })
  .describe('One variant of the experiment: the same config with a few overrides.');

const slurmSchema = z
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

const executorSchema = z
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

export const experimentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        CONFIG_NAME_PATTERN,
        'must be 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit (it becomes part of the run folder name)',
      )
      .describe('Experiment name; run folders are named <UTC timestamp>-<name>. Letters, digits, . _ - (at most 64).'),
    seed: nonNegInt()
      .default(0)
      .describe(
        'Seed of the run: one seeded generator drives initialisation, data order and augmentations; the same config and seed give the same numbers on the same backend.',
      ),
    backend: z
      .enum(['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'])
      .default('auto')
      .describe(
        "TensorFlow.js backend. 'auto' tries tfjs-node-gpu (CUDA), webgpu (any vendor's GPU through Dawn: Vulkan, Metal, D3D12; never a software adapter), tfjs-node, the portable WebAssembly backend, then pure JS; the backend used and why earlier ones were skipped go into run.json. The setting medssl.backend overrides it.",
      ),
    data: dataSchema,
    model: modelSchema,
    ssl: sslSchema,
    pretrain: pretrainSchema,
    diagnostics: diagnosticsSchema,
    evaluation: evaluationSchema,
    variants: z
      .array(variantSchema)
      .optional()
      .describe(
        "Variants (the ablation's rows, or seeds): `medssl run` runs each one (pretraining and evaluations) as its own run, named <name>-<variant>. E.g. [{name: mocov2, set: {'ssl.local.enabled': false, 'model.whitening.enabled': false}}, {name: method}].",
      ),
    seeds: z
      .array(nonNegInt())
      .optional()
      .describe(
        'Seeds: `medssl run` runs every variant (or the config itself, without variants) once per seed, each a run named <name>-<variant>-seed<N> with `seed` set, and prints the table; `medssl report` then aggregates each variant over its seeds (mean ± sd, and the paired difference against the first variant with a 95% bootstrap interval over held-out cases × seeds). E.g. [0, 1, 2].',
      ),
    executor: executorSchema.optional(),
  })
  .meta({
    title: 'MedSSL Studio experiment',
    description:
      'A MedSSL Studio experiment: MoCo v2 pretraining with local feature learning and feature decorrelation on CT slices (METHOD.md).',
  });

/** What the schema produces (defaults filled). */
export type SchemaOutput = z.output<typeof experimentSchema>;

// Compile-time checks: the schema's output is exactly the engine's contract (types.ts), both ways.
type Assert<T extends true> = T;
export type _SchemaMatchesContract = Assert<SchemaOutput extends ExperimentConfig ? true : false>;
export type _ContractMatchesSchema = Assert<ExperimentConfig extends SchemaOutput ? true : false>;
