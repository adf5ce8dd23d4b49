/**
 * 2-D ResNet encoders, NHWC: ResNet-18/34 (basic blocks) and ResNet-50 (bottlenecks, torchvision v1.5:
 * stride on the 3×3). 1- or 3-channel input (an option repeats a 1-channel slice to 3), stage widths
 * explicit or from a width multiplier, every stage's feature map returned with the pooled vector.
 * Optionally a whitening layer (METHOD.md, Remedy 2), at one of two positions:
 * - 'lastNorm' (the authors' code): it replaces the last normalisation of the last block, before the
 *   residual sum (ResNet-18/34: the 2nd BN of the last basic block; ResNet-50: the 3rd BN of the last
 *   bottleneck), so the shortcut and the ReLU act on its output before the pooling sees it.
 * - 'beforePool': the last block keeps its BatchNorm; the whitening acts on the last block's output
 *   (after the residual sum and ReLU), and that whitened map is the last stage's output: the pooled
 *   vector, the projector and the local loss all see decorrelated features.
 * An optional {@link EncoderTap} sees named intermediate maps of one forward pass (the collapse diagnostics
 * per layer); without it the forward pass does exactly what it did before.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { BatchNorm } from './batchNorm';
import { Conv2d, NormLayer } from './layers';
import { Module, ParamScope, ParamStore } from './module';
import { Whitening, WhiteningOptions } from './whitening';

export type ResNetDepth = 18 | 34 | 50;
/** 'imagenet': 7×7/2 conv + 3×3/2 max-pool (÷4); 'small': 3×3/1 conv, no pool (for tiny inputs). */
export type StemKind = 'imagenet' | 'small';
export type LastNorm = 'batchnorm' | 'iternorm' | 'zca';
export type WhiteningPosition = 'lastNorm' | 'beforePool';

export interface ResNetConfig {
  /** Default 18. */
  depth: ResNetDepth;
  /** Stage widths (bottleneck: inner width, the stage outputs 4×). Overrides widthMultiplier. */
  widths?: [number, number, number, number];
  /** Multiplies 64-128-256-512. Default 1. */
  widthMultiplier?: number;
  /** Stem output channels. Default widths[0]. */
  stemWidth?: number;
  /** Channels of the input tensor: 1 or 3. Default 1. */
  inChannels?: 1 | 3;
  /** With inChannels 1: repeat the slice to 3 channels (the first conv then takes 3). Default false. */
  repeatToThreeChannels?: boolean;
  /** Default 'imagenet'. */
  stem?: StemKind;
  /** γ = 0 in the last BN of every block. Default false. */
  zeroInitResidual?: boolean;
  /** BatchNorm momentum (PyTorch convention) and ε. Defaults 0.1, 1e-5. */
  bnMomentum?: number;
  bnEpsilon?: number;
  /** The last normalisation of the last stage. Default 'batchnorm'. */
  lastNorm?: LastNorm;
  /** Options of that whitening layer (method comes from lastNorm). */
  whitening?: Omit<WhiteningOptions, 'method'>;
  /** Where the whitening layer sits when lastNorm is not 'batchnorm'. Default 'lastNorm'. */
  whiteningPosition?: WhiteningPosition;
  /** Seed of the initialisation when the encoder makes its own store. Default 0. */
  seed?: number;
}

export interface ResolvedResNetConfig {
  depth: ResNetDepth;
  widths: [number, number, number, number];
  stemWidth: number;
  inChannels: 1 | 3;
  repeatToThreeChannels: boolean;
  stem: StemKind;
  zeroInitResidual: boolean;
  bnMomentum: number;
  bnEpsilon: number;
  lastNorm: LastNorm;
  whitening: Omit<WhiteningOptions, 'method'>;
  whiteningPosition: WhiteningPosition;
  seed: number;
  /** Derived: blocks per stage, block kind, expansion, channels out of each stage, pooled dimension. */
  blocks: [number, number, number, number];
  block: 'basic' | 'bottleneck';
  expansion: 1 | 4;
  stageChannels: [number, number, number, number];
  featureDim: number;
}

const BLOCKS: Record<ResNetDepth, [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
};

export const RESNET_DEFAULTS = {
  depth: 18,
  widthMultiplier: 1,
  inChannels: 1,
  repeatToThreeChannels: false,
  stem: 'imagenet',
  zeroInitResidual: false,
  bnMomentum: 0.1,
  bnEpsilon: 1e-5,
  lastNorm: 'batchnorm',
  whiteningPosition: 'lastNorm',
  seed: 0,
} as const;

/** Fills defaults and derives the architecture numbers; errors name the field. */
export function resolveResNetConfig(c: Partial<ResNetConfig> = {}): ResolvedResNetConfig {
  const depth = c.depth ?? RESNET_DEFAULTS.depth;
  if (!(depth in BLOCKS)) throw new Error(`resnet.depth: ${String(depth)} is not supported (18, 34 or 50)`);
  const mult = c.widthMultiplier ?? RESNET_DEFAULTS.widthMultiplier;
  const widths = c.widths ?? ([64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * mult))) as [number, number, number, number]);
  if (widths.length !== 4 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error(`resnet.widths: expected 4 positive integers, got [${widths.join(', ')}]`);
  }
  const inChannels = c.inChannels ?? RESNET_DEFAULTS.inChannels;
  if (inChannels !== 1 && inChannels !== 3) throw new Error(`resnet.inChannels: ${String(inChannels)} is not 1 or 3`);
  const repeat = c.repeatToThreeChannels ?? RESNET_DEFAULTS.repeatToThreeChannels;
  if (repeat && inChannels !== 1) throw new Error('resnet.repeatToThreeChannels: needs inChannels 1');
  const lastNorm = c.lastNorm ?? RESNET_DEFAULTS.lastNorm;
  if (!['batchnorm', 'iternorm', 'zca'].includes(lastNorm)) {
    throw new Error(`resnet.lastNorm: '${String(lastNorm)}' is not 'batchnorm', 'iternorm' or 'zca'`);
  }
  const whiteningPosition = c.whiteningPosition ?? RESNET_DEFAULTS.whiteningPosition;
  if (whiteningPosition !== 'lastNorm' && whiteningPosition !== 'beforePool') {
    throw new Error(`resnet.whiteningPosition: '${String(whiteningPosition)}' is not 'lastNorm' or 'beforePool'`);
  }
  const block = depth === 50 ? 'bottleneck' : 'basic';
  const expansion = depth === 50 ? 4 : 1;
  const stageChannels = widths.map((w) => w * expansion) as [number, number, number, number];
  return {
    depth,
    widths: [...widths] as [number, number, number, number],
    stemWidth: c.stemWidth ?? widths[0],
    inChannels,
    repeatToThreeChannels: repeat,
    stem: c.stem ?? RESNET_DEFAULTS.stem,
    zeroInitResidual: c.zeroInitResidual ?? RESNET_DEFAULTS.zeroInitResidual,
    bnMomentum: c.bnMomentum ?? RESNET_DEFAULTS.bnMomentum,
    bnEpsilon: c.bnEpsilon ?? RESNET_DEFAULTS.bnEpsilon,
    lastNorm,
    whitening: { ...(c.whitening ?? {}) },
    whiteningPosition,
    seed: c.seed ?? RESNET_DEFAULTS.seed,
    blocks: BLOCKS[depth],
    block,
    expansion,
    stageChannels,
    featureDim: stageChannels[3],
  };
}

/** Spatial size after a conv/pool with kernel k, stride s, symmetric padding p. */
export function convOutSize(size: number, k: number, s: number, p: number): number {
  return Math.floor((size + 2 * p - k) / s) + 1;
}

/** Spatial size of each stage's output for an input size (square or not). */
export function stageSpatialSizes(cfg: ResolvedResNetConfig, height: number, width = height): Array<[number, number]> {
  let h = height;
  let w = width;
  if (cfg.stem === 'imagenet') {
    h = convOutSize(convOutSize(h, 7, 2, 3), 3, 2, 1);
    w = convOutSize(convOutSize(w, 7, 2, 3), 3, 2, 1);
  }
  const out: Array<[number, number]> = [];
  for (let s = 0; s < 4; s++) {
    if (s > 0) {
      h = convOutSize(h, 3, 2, 1);
      w = convOutSize(w, 3, 2, 1);
    }
    out.push([h, w]);
  }
  return out;
}

export interface EncoderOutput {
  /** Stem output (after the max-pool for the 'imagenet' stem). */
  stem: tf.Tensor4D;
  /** Outputs of the four stages, NHWC. */
  stages: [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  /** Global average pool of the last stage [N, featureDim]. */
  pooled: tf.Tensor2D;
}

/**
 * Sees named maps [N, H, W, C] during a forward pass: `layer1`..`layer4` (each stage's last block output),
 * `lastNorm.in` / `lastNorm.out` (the last block's last normalisation, whitening or BatchNorm, before the
 * residual sum) and, with whitening at 'beforePool', `beforePool.in` / `beforePool.out`. The maps belong
 * to the forward pass's tidy scope: whatever the tap keeps it must derive, `tf.keep` and dispose itself.
 */
export type EncoderTap = (name: string, map: tf.Tensor4D) => void;

interface Block {
  apply(x: tf.Tensor4D, training: boolean, tap?: EncoderTap): tf.Tensor4D;
}

class Shortcut {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  constructor(scope: ParamScope, cin: number, cout: number, stride: number, cfg: ResolvedResNetConfig) {
    this.conv = new Conv2d(scope.scope('conv'), 1, cin, cout, stride, 0);
    this.bn = new BatchNorm(scope.scope('bn'), cout, { momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon });
  }
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.bn.apply(this.conv.apply(x), training) as tf.Tensor4D;
  }
}

class BasicBlock implements Block {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly norm2: NormLayer;
  readonly shortcut: Shortcut | null;

  constructor(scope: ParamScope, cin: number, width: number, stride: number, cfg: ResolvedResNetConfig, whiten: boolean) {
    const bn = { momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon };
    this.conv1 = new Conv2d(scope.scope('conv1'), 3, cin, width, stride);
    this.bn1 = new BatchNorm(scope.scope('bn1'), width, bn);
    this.conv2 = new Conv2d(scope.scope('conv2'), 3, width, width, 1);
    this.norm2 = whiten
      ? new Whitening(scope.scope('whiten2'), width, { ...cfg.whitening, method: cfg.lastNorm as 'iternorm' | 'zca' })
      : new BatchNorm(scope.scope('bn2'), width, { ...bn, gammaInit: cfg.zeroInitResidual ? 0 : 1 });
    this.shortcut = stride !== 1 || cin !== width ? new Shortcut(scope.scope('shortcut'), cin, width, stride, cfg) : null;
  }

  apply(x: tf.Tensor4D, training: boolean, tap?: EncoderTap): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(x), training)) as tf.Tensor4D;
      h = this.conv2.apply(h) as tf.Tensor4D;
      tap?.('lastNorm.in', h);
      h = this.norm2.apply(h, training) as tf.Tensor4D;
      tap?.('lastNorm.out', h);
      const id = this.shortcut ? this.shortcut.apply(x, training) : x;
      return tf.relu(tf.add(h, id)) as tf.Tensor4D;
    });
  }
}

class Bottleneck implements Block {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly conv3: Conv2d;
  readonly norm3: NormLayer;
  readonly shortcut: Shortcut | null;

  constructor(scope: ParamScope, cin: number, width: number, stride: number, cfg: ResolvedResNetConfig, whiten: boolean) {
    const bn = { momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon };
    const cout = width * 4;
    this.conv1 = new Conv2d(scope.scope('conv1'), 1, cin, width, 1, 0);
    this.bn1 = new BatchNorm(scope.scope('bn1'), width, bn);
    this.conv2 = new Conv2d(scope.scope('conv2'), 3, width, width, stride);
    this.bn2 = new BatchNorm(scope.scope('bn2'), width, bn);
    this.conv3 = new Conv2d(scope.scope('conv3'), 1, width, cout, 1, 0);
    this.norm3 = whiten
      ? new Whitening(scope.scope('whiten3'), cout, { ...cfg.whitening, method: cfg.lastNorm as 'iternorm' | 'zca' })
      : new BatchNorm(scope.scope('bn3'), cout, { ...bn, gammaInit: cfg.zeroInitResidual ? 0 : 1 });
    this.shortcut = stride !== 1 || cin !== cout ? new Shortcut(scope.scope('shortcut'), cin, cout, stride, cfg) : null;
  }

  apply(x: tf.Tensor4D, training: boolean, tap?: EncoderTap): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(x), training)) as tf.Tensor4D;
      h = tf.relu(this.bn2.apply(this.conv2.apply(h), training)) as tf.Tensor4D;
      h = this.conv3.apply(h) as tf.Tensor4D;
      tap?.('lastNorm.in', h);
      h = this.norm3.apply(h, training) as tf.Tensor4D;
      tap?.('lastNorm.out', h);
      const id = this.shortcut ? this.shortcut.apply(x, training) : x;
      return tf.relu(tf.add(h, id)) as tf.Tensor4D;
    });
  }
}

export class ResNetEncoder extends Module {
  readonly config: ResolvedResNetConfig;
  readonly stemConv: Conv2d;
  readonly stemBn: BatchNorm;
  readonly stages: Block[][];
  /** The whitening layer (replacing the last normalisation, or before the pooling), when lastNorm is not 'batchnorm'. */
  readonly whitening: Whitening | null;
  /** The same layer when it sits before the pooling ('beforePool'), else null. */
  private readonly poolWhitening: Whitening | null;

  /**
   * @param config partial config, defaults filled by {@link resolveResNetConfig}
   * @param scope where to create the variables (e.g. `store.scope('encoder')`); default: a new store
   *              seeded with `config.seed`
   */
  constructor(config: Partial<ResNetConfig> = {}, scope?: ParamScope) {
    const cfg = resolveResNetConfig(config);
    const sc = scope ?? new ParamStore(new Rng(cfg.seed)).scope('');
    super(sc);
    this.config = cfg;
    const firstIn = cfg.repeatToThreeChannels ? 3 : cfg.inChannels;
    const bn = { momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon };
    this.stemConv =
      cfg.stem === 'imagenet'
        ? new Conv2d(sc.scope('conv1'), 7, firstIn, cfg.stemWidth, 2, 3)
        : new Conv2d(sc.scope('conv1'), 3, firstIn, cfg.stemWidth, 1, 1);
    this.stemBn = new BatchNorm(sc.scope('bn1'), cfg.stemWidth, bn);
    let cin = cfg.stemWidth;
    let whitening: Whitening | null = null;
    this.stages = [];
    for (let s = 0; s < 4; s++) {
      const blocks: Block[] = [];
      for (let b = 0; b < cfg.blocks[s]; b++) {
        const stride = s > 0 && b === 0 ? 2 : 1;
        const isLast = s === 3 && b === cfg.blocks[s] - 1;
        const whiten = isLast && cfg.lastNorm !== 'batchnorm' && cfg.whiteningPosition === 'lastNorm';
        const bscope = sc.scope(`layer${s + 1}.${b}`);
        const block =
          cfg.block === 'basic'
            ? new BasicBlock(bscope, cin, cfg.widths[s], stride, cfg, whiten)
            : new Bottleneck(bscope, cin, cfg.widths[s], stride, cfg, whiten);
        if (whiten) {
          const n = block instanceof BasicBlock ? block.norm2 : (block as Bottleneck).norm3;
          whitening = n as Whitening;
        }
        blocks.push(block);
        cin = cfg.stageChannels[s];
      }
      this.stages.push(blocks);
    }
    this.poolWhitening =
      cfg.lastNorm !== 'batchnorm' && cfg.whiteningPosition === 'beforePool'
        ? new Whitening(sc.scope('whiten_pool'), cfg.featureDim, { ...cfg.whitening, method: cfg.lastNorm })
        : null;
    this.whitening = whitening ?? this.poolWhitening;
  }

  get featureDim(): number {
    return this.config.featureDim;
  }

  private prepareInput(x: tf.Tensor4D): tf.Tensor4D {
    const c = x.shape[3];
    if (c !== this.config.inChannels) {
      throw new Error(
        `ResNetEncoder: input has ${c} channels but the encoder was configured with inChannels ${this.config.inChannels} (NHWC expected)`,
      );
    }
    return this.config.repeatToThreeChannels ? tf.concat([x, x, x], 3) : x;
  }

  /** Forward pass in the current mode (`train()` / `eval()`); `tap` sees the named maps (diagnostics). */
  forward(x: tf.Tensor4D, tap?: EncoderTap): EncoderOutput {
    const training = this.training;
    return tf.tidy(() => {
      let h = tf.relu(this.stemBn.apply(this.stemConv.apply(this.prepareInput(x)), training)) as tf.Tensor4D;
      if (this.config.stem === 'imagenet') h = tf.maxPool(h, 3, 2, 1);
      const stem = h;
      const stages: tf.Tensor4D[] = [];
      for (let s = 0; s < 4; s++) {
        const blocks = this.stages[s];
        // only the last block's last normalisation is tapped
        for (let b = 0; b < blocks.length; b++) h = blocks[b].apply(h, training, s === 3 && b === blocks.length - 1 ? tap : undefined);
        tap?.(`layer${s + 1}`, h);
        stages.push(h);
      }
      if (this.poolWhitening) {
        tap?.('beforePool.in', h);
        h = this.poolWhitening.apply(h, training) as tf.Tensor4D;
        tap?.('beforePool.out', h);
        stages[3] = h;
      }
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      return { stem, stages: stages as EncoderOutput['stages'], pooled };
    });
  }
}
