/**
 * Peak memory of one training step (forward + backward + optimizer update) of a ResNet encoder, and the
 * check that refuses a batch that will not fit in the WebAssembly backend's 4 GiB heap (going past it
 * kills the process without a JavaScript error).
 *
 * Model: peak ≈ fixed + batch × perSample, where
 *   fixed     = parameters × 4 B × (1 value + 1 gradient + optimizer slots + extra copies)
 *   perSample = safetyFactor × (activations kept for the backward pass + transient working set) × 4 B
 * The kept activations follow what this package's layers save for autograd (see `activationElements`):
 * per basic block 6 maps of the block's output size (+1 with a projection shortcut), per bottleneck
 * 3 maps at each inner width and 3 at the output width (+1), the stem's BN/ReLU/max-pool inputs. The
 * transient working set is a few maps of the largest layer (BN backward temporaries, conv input
 * gradient, the im2col workspace of Conv2DBackpropFilter).
 *
 * The safety factor is measured (see CALIBRATION below) and covers allocator slack, gradient
 * accumulation buffers and kernel workspaces the model does not itemise.
 */
import { ResNetConfig, ResolvedResNetConfig, convOutSize, resolveResNetConfig } from './resnet';

export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/**
 * CALIBRATION, measured 2026-11-27 on the 2-core dev machine (Node 20, tfjs 4.22), one process per row,
 * SGD with momentum (1 slot), after two warm steps. "unscaled" = batch × (kept + gradients + transient)
 * of this model; factor = (measured − fixed − overhead) / unscaled.
 *
 *   backend  encoder                    input  batch  fixed+ovh  unscaled  measured                factor
 *   wasm     R18 32-64-128-256          128²     8     75 MiB    102 MiB   heap 207 MiB             1.30
 *   wasm     R18 32-64-128-256          128²    16     75 MiB    204 MiB   heap 339 MiB             1.30
 *   wasm     R18 32-64-128-256          128²    32     75 MiB    408 MiB   heap 678 MiB             1.48
 *   wasm     R18 32-64-128-256          128²    64     75 MiB    815 MiB   heap 1134 MiB (RSS 1209)  1.30
 *   wasm     R18 32-64-128-256, zca     128²    16     75 MiB    206 MiB   heap 407 MiB             1.61
 *   wasm     R50 16-32-64-128           96²     16     55 MiB    205 MiB   heap 358 MiB             1.48
 *   cpu      R50 8-16-32-64             64²      4      6 MiB     12 MiB   tf.profile peak 20.4 MiB 1.29
 *   after BatchNorm switched from ones-row matmul sums to average pools (memoryProbe.ts):
 *   wasm     R18 32-64-128-256          128²    32     75 MiB    408 MiB   heap 580 MiB (tensors 544) 1.24
 *   wasm     R18 32-64-128-256          128²    64     75 MiB    815 MiB   heap 1096 MiB (tensors 1045) 1.25
 *   cpu      R50 4-8-16-32, small stem  16²      2                         (unit test)              1.29
 *   (wasm heap = WebAssembly.Memory size, the high-water mark that the 4 GiB cap applies to; it grows
 *    geometrically, so it overshoots the need by up to ~20 %. cpu = engine bytes at the peak kernel.)
 * The largest factor seen is 1.61; the default 1.8 keeps ≥ 10 % margin over it. Before BatchNorm's
 * gradient was wrapped in a tidy the cpu peak was 31.8 MiB for the R50 row (factor 2.3): re-measure
 * when the layers change.
 */
export const DEFAULT_SAFETY_FACTOR = 1.8;
/** Transient working set, in maps of the largest layer's size (conv/BN backward temporaries). */
export const TRANSIENT_MAPS = 6;
/** Backend runtime and staging (the wasm heap is 16 MiB before any tensor). */
export const DEFAULT_OVERHEAD_BYTES = 32 * 1024 ** 2;

export interface MemoryEstimateOptions {
  /** Optimizer state tensors per parameter (SGD with momentum: 1; Adam: 2). Default 1. */
  optimizerSlots?: number;
  /** Further full copies of the parameters (MoCo's momentum key encoder: 1). Default 0. */
  extraParamCopies?: number;
  /** Trainable parameters outside the encoder (projector heads, decoder). Default 0. */
  extraParams?: number;
  /** Multiplies the per-sample part. Default DEFAULT_SAFETY_FACTOR (measured). */
  safetyFactor?: number;
  /**
   * Data-parallel workers, each its own wasm instance with its own 4 GiB heap and ⌈batch/workers⌉
   * samples (`pretrain.workers: auto`: 2 worker_threads). The estimate and the limit are per worker. Default 1.
   */
  workers?: number;
  /** Added once (backend runtime, the JS side's staging buffers). Default DEFAULT_OVERHEAD_BYTES. */
  overheadBytes?: number;
}

export interface MemoryEstimate {
  batch: number;
  inputSize: [number, number];
  paramCount: number;
  /** Parameters × (value, gradient, updated value, optimizer slots, extra copies) + overhead. */
  fixedBytes: number;
  /** Activations kept for backward and their gradients, per sample, before the safety factor. */
  activationBytesPerSample: number;
  /** Transient working set, per sample, before the safety factor. */
  transientBytesPerSample: number;
  /** (activations + transient) × safety factor. */
  perSampleBytes: number;
  safetyFactor: number;
  workers: number;
  /** ⌈batch / workers⌉. */
  batchPerWorker: number;
  /** fixedBytes + batchPerWorker × perSampleBytes: the peak of one wasm instance. */
  totalBytes: number;
}

export interface ActivationCount {
  /** Elements per sample kept for the backward pass (tensors saved by the ops). */
  kept: number;
  /**
   * Elements per sample of the gradients of every taped intermediate (tfjs keeps each activation
   * gradient until the whole backward pass ends: one gradient per conv/BN/ReLU/add/pool output).
   */
  grads: number;
  /** Elements per sample of the largest single map (drives the transient working set). */
  largestMap: number;
  /** Number of parameters. */
  params: number;
}

function toSize(inputSize: number | [number, number]): [number, number] {
  const [h, w] = typeof inputSize === 'number' ? [inputSize, inputSize] : inputSize;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) {
    throw new Error(`memory estimate: input size ${String(inputSize)} is not a positive integer (or [height, width])`);
  }
  return [h, w];
}

function isResolved(c: Partial<ResNetConfig> | ResolvedResNetConfig): c is ResolvedResNetConfig {
  return Array.isArray((c as ResolvedResNetConfig).stageChannels);
}

/** Walks the architecture: elements kept per sample, largest map, parameter count. */
export function activationElements(
  config: Partial<ResNetConfig> | ResolvedResNetConfig,
  inputSize: number | [number, number],
): ActivationCount {
  const cfg = isResolved(config) ? config : resolveResNetConfig(config);
  let [h, w] = toSize(inputSize);
  const cin0 = cfg.repeatToThreeChannels ? 3 : cfg.inChannels;
  let kept = cfg.inChannels * h * w + (cfg.repeatToThreeChannels ? 3 * h * w : 0);
  let grads = cfg.repeatToThreeChannels ? 3 * h * w : 0;
  let largest = cin0 * h * w;
  let params = 0;
  const bnParams = (c: number): number => 2 * c;
  // Stem.
  if (cfg.stem === 'imagenet') {
    h = convOutSize(h, 7, 2, 3);
    w = convOutSize(w, 7, 2, 3);
    params += 49 * cin0 * cfg.stemWidth;
  } else {
    params += 9 * cin0 * cfg.stemWidth;
  }
  params += bnParams(cfg.stemWidth);
  let S = cfg.stemWidth * h * w;
  largest = Math.max(largest, S);
  kept += 3 * S; // BN x̂, BN output (ReLU input), ReLU output (max-pool or conv input)
  grads += 3 * S; // conv, BN, ReLU outputs
  if (cfg.stem === 'imagenet') {
    h = convOutSize(h, 3, 2, 1);
    w = convOutSize(w, 3, 2, 1);
    kept += cfg.stemWidth * h * w; // max-pool output (saved by max-pool grad and the next conv)
    grads += cfg.stemWidth * h * w;
  }
  let cin = cfg.stemWidth;
  for (let s = 0; s < 4; s++) {
    const width = cfg.widths[s];
    const cout = cfg.stageChannels[s];
    for (let b = 0; b < cfg.blocks[s]; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const hIn = h;
      const wIn = w;
      h = convOutSize(h, 3, stride, 1);
      w = convOutSize(w, 3, stride, 1);
      const Sout = cout * h * w;
      const shortcut = stride !== 1 || cin !== cout;
      const whiten = s === 3 && b === cfg.blocks[s] - 1 && cfg.lastNorm !== 'batchnorm';
      if (cfg.block === 'basic') {
        kept += 6 * Sout + (shortcut ? Sout : 0);
        grads += 7 * Sout + (shortcut ? 2 * Sout : 0);
        params += 9 * cin * width + 9 * width * width + 2 * bnParams(width);
      } else {
        const S1 = width * hIn * wIn;
        const S2 = width * h * w;
        kept += 3 * S1 + 3 * S2 + 3 * Sout + (shortcut ? Sout : 0);
        grads += 3 * S1 + 3 * S2 + 4 * Sout + (shortcut ? 2 * Sout : 0);
        largest = Math.max(largest, S1);
        params += cin * width + 9 * width * width + width * cout + 2 * bnParams(width) + bnParams(cout);
      }
      if (shortcut) params += cin * cout + bnParams(cout);
      if (whiten) {
        kept += 4 * Sout; // centred data, group-major copies, output before the affine
        grads += 6 * Sout; // reshape/centre/transpose/matmul/transpose/affine outputs
      }
      largest = Math.max(largest, Sout);
      cin = cout;
    }
  }
  return { kept, grads, largestMap: largest, params };
}

/** Estimated peak bytes of one training step (per worker when `options.workers` > 1). */
export function estimateTrainingStepBytes(
  config: Partial<ResNetConfig> | ResolvedResNetConfig,
  batch: number,
  inputSize: number | [number, number],
  options: MemoryEstimateOptions = {},
): MemoryEstimate {
  if (!(Number.isInteger(batch) && batch > 0)) throw new Error(`memory estimate: batch size ${batch} is not a positive integer`);
  const size = toSize(inputSize);
  const workers = options.workers ?? 1;
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`memory estimate: workers ${workers} is not a positive integer`);
  const perWorker = Math.ceil(batch / workers);
  const a = activationElements(config, size);
  const slots = options.optimizerSlots ?? 1;
  const copies = options.extraParamCopies ?? 0;
  const safetyFactor = options.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const extra = options.extraParams ?? 0;
  const fixedBytes = (a.params + extra) * 4 * (3 + slots + copies) + (options.overheadBytes ?? DEFAULT_OVERHEAD_BYTES);
  const activationBytesPerSample = (a.kept + a.grads) * 4;
  const transientBytesPerSample = TRANSIENT_MAPS * a.largestMap * 4;
  const perSampleBytes = safetyFactor * (activationBytesPerSample + transientBytesPerSample);
  return {
    batch,
    inputSize: size,
    paramCount: a.params + extra,
    fixedBytes,
    activationBytesPerSample,
    transientBytesPerSample,
    perSampleBytes,
    safetyFactor,
    workers,
    batchPerWorker: perWorker,
    totalBytes: fixedBytes + perWorker * perSampleBytes,
  };
}

export type BatchFit =
  | { ok: true; estimate: MemoryEstimate; message: string }
  | {
      ok: false;
      estimate: MemoryEstimate;
      /** Largest batch that fits (0 when not even 1 does). */
      maxBatch: number;
      /** Largest power of two that fits (0 when not even 1 does). */
      maxPowerOfTwo: number;
      message: string;
    };

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

function describe(cfg: ResolvedResNetConfig): string {
  return `ResNet-${cfg.depth} (${cfg.widths.join('-')})`;
}

/**
 * Whether a training step with this batch fits under `limitBytes` (default: the wasm backend's 4 GiB).
 * When not, the message names the largest power-of-two batch and the largest batch that fit.
 */
export function checkBatchFits(
  config: Partial<ResNetConfig> | ResolvedResNetConfig,
  batch: number,
  inputSize: number | [number, number],
  limitBytes: number = WASM_HEAP_LIMIT_BYTES,
  options: MemoryEstimateOptions = {},
): BatchFit {
  const cfg = isResolved(config) ? config : resolveResNetConfig(config);
  const estimate = estimateTrainingStepBytes(cfg, batch, inputSize, options);
  const [h, w] = estimate.inputSize;
  const workers = estimate.workers;
  const what =
    `a training step of ${describe(cfg)} at batch ${batch}, ${h}×${w}` +
    (workers > 1 ? ` (${estimate.batchPerWorker} per worker, ${workers} workers)` : '');
  const perWorkerNote = workers > 1 ? ' per worker' : '';
  if (estimate.totalBytes <= limitBytes) {
    return {
      ok: true,
      estimate,
      message: `${what} needs about ${formatBytes(estimate.totalBytes)}${perWorkerNote} of ${formatBytes(limitBytes)}`,
    };
  }
  const maxPerWorker = Math.max(0, Math.floor((limitBytes - estimate.fixedBytes) / estimate.perSampleBytes));
  const maxBatch = maxPerWorker * workers;
  const maxPowerOfTwo = maxBatch >= 1 ? 2 ** Math.floor(Math.log2(maxBatch)) : 0;
  const message =
    maxBatch >= 1
      ? `${what} needs about ${formatBytes(estimate.totalBytes)}${perWorkerNote}, more than the ${formatBytes(limitBytes)} limit. ` +
        `Batch size ${maxPowerOfTwo} fits (largest power of two; the largest batch that fits is ${maxBatch}). ` +
        `Lower the batch size, the input size or the encoder width.`
      : `${what} does not fit in ${formatBytes(limitBytes)} even at batch size 1 (one sample needs about ` +
        `${formatBytes(estimate.perSampleBytes)}, the parameters and optimiser ${formatBytes(estimate.fixedBytes)}). ` +
        `Use a narrower encoder or a smaller input size.`;
  return { ok: false, estimate, maxBatch, maxPowerOfTwo, message };
}

/** A GPU device's per-buffer limits (WebGPU: maxBufferSize, maxStorageBufferBindingSize). */
export interface GpuBufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/**
 * Whether the largest single tensor of a training step fits the device's per-buffer limits. WebGPU
 * reports no free memory, and a buffer past these limits is not an exception but a rejected
 * submission (wrong values), so this is checked before the first step. The largest tensor is the
 * largest activation map (or its gradient) at the full batch: tfjs's WebGPU convolutions work in place
 * of an im2col copy, so no workspace is larger.
 */
export function checkGpuBufferLimits(
  config: Partial<ResNetConfig> | ResolvedResNetConfig,
  batch: number,
  inputSize: number | [number, number],
  limits: GpuBufferLimits,
): BatchFit {
  const cfg = isResolved(config) ? config : resolveResNetConfig(config);
  const estimate = estimateTrainingStepBytes(cfg, batch, inputSize);
  const [h, w] = estimate.inputSize;
  const perSample = activationElements(cfg, estimate.inputSize).largestMap * 4;
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const largest = perSample * batch;
  const what = `a training step of ${describe(cfg)} at batch ${batch}, ${h}×${w}`;
  if (largest <= limit) {
    return {
      ok: true,
      estimate,
      message: `${what}: largest GPU buffer about ${formatBytes(largest)} of the device's ${formatBytes(limit)} per-buffer limit`,
    };
  }
  const maxBatch = Math.floor(limit / perSample);
  const maxPowerOfTwo = maxBatch >= 1 ? 2 ** Math.floor(Math.log2(maxBatch)) : 0;
  const message =
    maxBatch >= 1
      ? `${what} needs a GPU buffer of about ${formatBytes(largest)} (its largest activation map), more than the device's ${formatBytes(limit)} per-buffer limit ` +
        `(maxBufferSize / maxStorageBufferBindingSize). Batch size ${maxPowerOfTwo} fits (largest power of two; the largest batch that fits is ${maxBatch}). ` +
        `Lower the batch size or the input size.`
      : `${what}: one sample's largest activation map (${formatBytes(perSample)}) exceeds the device's ${formatBytes(limit)} per-buffer limit. Use a smaller input size.`;
  return { ok: false, estimate, maxBatch, maxPowerOfTwo, message };
}
