/**
 * The resolved experiment config: what `loadConfig` returns after validation with every default filled
 * in, and what the engine consumes. The schema (schema.ts) is the single source of the defaults and of
 * the editor's JSON Schema; this file is the contract the engine codes against. METHOD.md gives the
 * meaning and the paper's values of every field.
 */
import type { BackendRequest } from '../backend/types';

export type WindowPreset = 'abdomen' | 'transunet' | 'w400l40' | 'zscore' | 'none';

export interface DataConfig {
  /** 'phantom' (built-in, generated) or a dataset folder (any layout `medssl inspect` detects). */
  source: 'phantom' | 'folder';
  /** Folder of the dataset when source = folder (relative paths are relative to the config file). */
  path?: string;
  phantom: { cases: number; slices: number; seed: number };
  /** In-plane size slices are resampled to (square). */
  size: number;
  window: WindowPreset;
  /** Used when window = zscore (the authors: HU+1024, mean 884.5, std 983.7). */
  zscore: { mean: number; std: number };
  /** Keep only slices with foreground (needs labels). */
  foregroundOnly: boolean;
  /** Fraction of cases held out (split by case, never by slice) for diagnostics/evaluation. */
  heldOutFraction: number;
  /** Seed of the case split; absent: the run's `seed` (src/core/data/runSplit.ts). */
  splitSeed?: number;
}

export interface WhiteningConfig {
  enabled: boolean;
  method: 'iternorm' | 'zca';
  groupSize: number;
  iterations: number;
  eps: number;
  momentum: number;
  /** 'lastNorm' (default): replaces the last block's last norm, before the residual sum (the authors' code); 'beforePool': after the last block, before the global pooling. */
  position: 'lastNorm' | 'beforePool';
}

export interface ModelConfig {
  arch: 'resnet18' | 'resnet34' | 'resnet50';
  /** Stage widths; overrides widthMultiplier when given. */
  widths?: [number, number, number, number];
  widthMultiplier: number;
  /** 'imagenet' 7×7/2 + max-pool; 'small' 3×3/1 for small inputs. */
  stem: 'imagenet' | 'small';
  /** Repeat the 1-channel slice to 3 channels. */
  repeatToThreeChannels: boolean;
  whitening: WhiteningConfig;
  /** Start the encoder from a torchvision-layout .safetensors file (absolute after validation). */
  init?: { from: string };
  projector: { hiddenDim?: number; outDim: number };
}

export interface AugmentConfig {
  cropScale: [number, number];
  flip: boolean;
  rotationDeg: number;
  brightness: number;
  contrast: number;
  gamma: number;
  blurProbability: number;
  noiseStd: number;
}

export interface LocalLossConfig {
  enabled: boolean;
  /** λ: total = global + λ · local. */
  weight: number;
  temperature: number;
  /** G: a G×G grid of regions inside the views' overlap. */
  grid: number;
  /** Skip a pair whose overlap is below this fraction of either view. */
  minOverlap: number;
  /** Which backbone stage's feature map (1–4; 4 = last, the authors' intent). */
  stage: 1 | 2 | 3 | 4;
  /** Also use regions of other images in the batch as negatives. */
  crossImageNegatives: boolean;
  projectorDim: number;
}

export interface SslConfig {
  method: 'mocov2';
  queueSize: number;
  /** Key encoder EMA momentum. */
  momentum: number;
  temperature: number;
  embeddingDim: number;
  /** How key-encoder BatchNorm statistics are kept apart from the query's in one process. */
  shuffleBn: 'shuffle' | 'subbatch' | 'none';
  local: LocalLossConfig;
  augment: AugmentConfig;
}

export interface PretrainConfig {
  epochs: number;
  batchSize: number;
  /** Base learning rate; 'auto' = 0.03 × batch / 256. */
  lr: number | 'auto';
  momentum: number;
  weightDecay: number;
  warmupEpochs: number;
  schedule: 'cosine' | 'constant';
  /** Save a checkpoint every N steps (0: only at the end and on cancel). */
  checkpointEvery: number;
  /** Data-parallel worker threads on the wasm backend ('auto' = one per core, at most 2). */
  workers: number | 'auto';
}

export interface DiagnosticsConfig {
  /** Every N epochs (and at the end). */
  everyEpochs: number;
  /** Held-out slices embedded for the spectra. */
  slices: number;
}

export interface LinearEvalConfig {
  enabled: boolean;
  epochs: number;
  batchSize: number;
  /** Adam learning rate of the 1×1 convolution. */
  lr: number;
  /** Loss = CE + diceWeight · soft Dice. */
  diceWeight: number;
}

export interface FinetuneConfig {
  enabled: boolean;
  decoder: 'unet' | 'deeplabv3plus';
  /** 'pretrained': from the pretraining's final checkpoint; 'random': no pretraining. */
  init: 'pretrained' | 'random';
  epochs: number;
  batchSize: number;
  lr: number;
  /** Fraction of training cases whose labels are used. */
  labelFraction: number;
  diceWeight: number;
}

export interface EvaluationConfig {
  linear: LinearEvalConfig;
  finetune: FinetuneConfig;
  /** Held-out slices stored as overlays. */
  overlaySlices: number;
}

/** One variant of an experiment (an ablation row, a seed): overrides like --set. */
export interface VariantConfig {
  name: string;
  set: Record<string, string | number | boolean>;
}

export interface ExperimentConfig {
  name: string;
  seed: number;
  backend: BackendRequest;
  data: DataConfig;
  model: ModelConfig;
  ssl: SslConfig;
  pretrain: PretrainConfig;
  diagnostics: DiagnosticsConfig;
  evaluation: EvaluationConfig;
  /** Variants expanded by `medssl run` into one run each. */
  variants?: VariantConfig[];
  /** Every variant (or the config itself) runs once per seed; absent or empty: once, with `seed`. */
  seeds?: number[];
  /** Where `medssl submit` / Train on Slurm runs the jobs (absent: on this machine). */
  executor?: ExecutorConfig;
}

/** A Slurm cluster's resources and submission (src/core/exec). */
export interface SlurmConfig {
  partition?: string;
  /** GPUs per task: --gres=gpu:N (0: none). */
  gpus: number;
  cpus: number;
  /** Memory per task, sbatch syntax (e.g. 16G). */
  mem?: string;
  /** Time limit per task: minutes, or sbatch syntax (e.g. 04:00:00). */
  time?: string | number;
  account?: string;
  /** Lines added to the job script after the #SBATCH header (module loads, exports). */
  extraLines: string[];
  /** Submit over `ssh <host>` to a login node (the run folders must be on a file system both see). */
  ssh?: string;
  /** Options for that ssh, before the host (e.g. ['-p', '2222'], ['-J', 'gateway'], ['-o', 'UserKnownHostsFile=…']). */
  sshOptions?: string[];
  /** Node on the compute nodes (default: this Node when submitting locally, `node` over SSH). */
  node?: string;
  /** dist/cli.js as the compute nodes see it (default: this one). */
  cli?: string;
  /** Seconds before the time limit at which the job checkpoints and requeues itself. */
  signalSeconds: number;
}

export interface ExecutorConfig {
  kind: 'local' | 'slurm';
  slurm: SlurmConfig;
}
