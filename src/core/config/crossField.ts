/**
 * Rules between fields, checked on the resolved config (defaults filled). Each names the fields in the
 * order the problem should be shown at: the first one present in the file gets the squiggle.
 */
import { ITERNORM_MAX_ITERATIONS } from './schema';
import type { ConfigPath } from './source';
import type { ExperimentConfig } from './types';

export interface CrossFieldProblem {
  severity: 'error' | 'warning';
  paths: ConfigPath[];
  message: string;
}

const convOut = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1;

/** Spatial size of each stage's output (same arithmetic as models/resnet.ts stageSpatialSizes). */
export function stageSizes(size: number, stem: 'imagenet' | 'small'): [number, number, number, number] {
  let h = size;
  if (stem === 'imagenet') h = convOut(convOut(h, 7, 2, 3), 3, 2, 1);
  const out: number[] = [];
  for (let s = 0; s < 4; s++) {
    if (s > 0) h = convOut(h, 3, 2, 1);
    out.push(h);
  }
  return out as [number, number, number, number];
}

/** Stage widths and the backbone feature dimension d (same rules as models/resnet.ts). */
export function backboneDims(m: ExperimentConfig['model']): { widths: [number, number, number, number]; featureDim: number } {
  const widths =
    m.widths ?? ([64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * m.widthMultiplier))) as [number, number, number, number]);
  const expansion = m.arch === 'resnet50' ? 4 : 1;
  return { widths, featureDim: widths[3] * expansion };
}

export function resolvedLr(c: ExperimentConfig): number {
  return c.pretrain.lr === 'auto' ? (0.03 * c.pretrain.batchSize) / 256 : c.pretrain.lr;
}

export function crossFieldChecks(c: ExperimentConfig): CrossFieldProblem[] {
  const out: CrossFieldProblem[] = [];
  const err = (paths: ConfigPath[], message: string) => out.push({ severity: 'error', paths, message });
  const warn = (paths: ConfigPath[], message: string) => out.push({ severity: 'warning', paths, message });

  // Data source.
  if (c.data.source === 'folder' && c.data.path === undefined) {
    err(
      [['data', 'source'], ['data']],
      "data.path is required when data.source is 'folder' (the dataset folder, relative to the config file)",
    );
  }
  if (c.data.source === 'phantom' && c.data.path !== undefined) {
    warn([['data', 'path']], "data.path is ignored when data.source is 'phantom'; set source: folder to train on it");
  }

  // Queue and batch.
  const q = c.ssl.queueSize;
  const b = c.pretrain.batchSize;
  if (q % b !== 0) {
    const lo = Math.floor(q / b) * b;
    const hi = lo + b;
    const options = lo >= b ? `${lo} or ${hi}` : `${hi}`;
    err(
      [['ssl', 'queueSize'], ['pretrain', 'batchSize'], ['ssl'], ['pretrain']],
      `ssl.queueSize (${q}) must be a multiple of pretrain.batchSize (${b}): the queue is filled a batch of keys at a time; e.g. ${options}`,
    );
  }

  // Augmentations.
  const [s0, s1] = c.ssl.augment.cropScale;
  if (s0 > s1) err([['ssl', 'augment', 'cropScale']], `ssl.augment.cropScale: [${s0}, ${s1}] is not [min, max]; write [${s1}, ${s0}]`);

  // Projector and embedding.
  if (c.model.projector.outDim !== c.ssl.embeddingDim) {
    err(
      [
        ['model', 'projector', 'outDim'],
        ['ssl', 'embeddingDim'],
      ],
      `model.projector.outDim (${c.model.projector.outDim}) must equal ssl.embeddingDim (${c.ssl.embeddingDim}): the projector output is the embedding`,
    );
  }

  // Whitening.
  const w = c.model.whitening;
  const { featureDim } = backboneDims(c.model);
  if (w.enabled) {
    if (w.method === 'iternorm' && w.iterations > ITERNORM_MAX_ITERATIONS) {
      err(
        [['model', 'whitening', 'iterations']],
        `model.whitening.iterations: ${w.iterations} steps of 'iternorm' diverge in float32 (NaN beyond ~${ITERNORM_MAX_ITERATIONS}); use method 'zca' for full whitening, or at most ${ITERNORM_MAX_ITERATIONS} steps`,
      );
    }
    const g = Math.min(w.groupSize, featureDim);
    if (featureDim % g !== 0) {
      err(
        [
          ['model', 'whitening', 'groupSize'],
          ['model', 'widths'],
          ['model', 'widthMultiplier'],
        ],
        `model.whitening.groupSize (${w.groupSize}) must divide the ${featureDim} channels of the last stage; choose a divisor of ${featureDim}`,
      );
    }
  }

  // Feature map sizes: the image must survive the strides; the local grid needs cells to pool.
  const sizes = stageSizes(c.data.size, c.model.stem);
  if (sizes[3] < 1) {
    err(
      [
        ['data', 'size'],
        ['model', 'stem'],
      ],
      `data.size ${c.data.size} is too small for a ResNet with the '${c.model.stem}' stem (the last stage would be empty)`,
    );
  } else if (c.ssl.local.enabled) {
    const fm = sizes[c.ssl.local.stage - 1];
    if (fm < c.ssl.local.grid) {
      const better = sizes.findIndex((s) => s >= c.ssl.local.grid * 2);
      warn(
        [
          ['ssl', 'local', 'stage'],
          ['ssl', 'local', 'grid'],
          ['data', 'size'],
          ['ssl', 'local'],
        ],
        `ssl.local: the stage-${c.ssl.local.stage} feature map is ${fm}×${fm} for ${c.data.size}-pixel slices, smaller than the ${c.ssl.local.grid}×${c.ssl.local.grid} grid, so regions share cells` +
          (better >= 0 ? `; stage ${better + 1} gives ${sizes[better]}×${sizes[better]}` : "; use stem 'small' or larger slices"),
      );
    }
  }

  // Schedule.
  if (c.pretrain.warmupEpochs > c.pretrain.epochs) {
    err(
      [['pretrain', 'warmupEpochs']],
      `pretrain.warmupEpochs (${c.pretrain.warmupEpochs}) is longer than pretrain.epochs (${c.pretrain.epochs})`,
    );
  }

  // Phantom split and batch.
  if (c.data.source === 'phantom') {
    const n = c.data.phantom.cases;
    const f = c.data.heldOutFraction;
    let held = Math.round(f * n);
    if (f > 0 && held === 0 && n >= 3) held = 1;
    const train = n - held;
    if (train < 1) {
      err(
        [
          ['data', 'heldOutFraction'],
          ['data', 'phantom', 'cases'],
        ],
        `data: holding out ${f} of ${n} phantom cases leaves none for training; use more cases or a smaller heldOutFraction`,
      );
    } else if (f > 0 && held === 0) {
      warn(
        [
          ['data', 'phantom', 'cases'],
          ['data', 'heldOutFraction'],
        ],
        `data: ${n} phantom cases are too few to hold any out (heldOutFraction ${f}); the diagnostics need held-out cases: use at least 3`,
      );
    } else if (train * c.data.phantom.slices < b && !c.data.foregroundOnly) {
      warn(
        [['pretrain', 'batchSize']],
        `pretrain.batchSize (${b}) is larger than the ${train * c.data.phantom.slices} training slices (${train} cases × ${c.data.phantom.slices}); an epoch would have no full batch`,
      );
    }
  }

  // Diagnostics.
  if (c.diagnostics.slices < Math.min(featureDim, c.ssl.embeddingDim)) {
    warn(
      [['diagnostics', 'slices']],
      `diagnostics.slices (${c.diagnostics.slices}) is below the embedding dimension (${Math.min(featureDim, c.ssl.embeddingDim)}): the spectra have at most ${c.diagnostics.slices - 1} non-zero eigenvalues and the effective rank is capped by it`,
    );
  }
  return out;
}
