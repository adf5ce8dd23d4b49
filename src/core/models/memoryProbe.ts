/**
 * Measures the memory of real training steps of a ResNet encoder on the current backend, to check or
 * re-calibrate memoryEstimate.ts (its CALIBRATION table was made this way). Heavy: run it in its own
 * process (the wasm heap only grows, so one process per configuration), never inside a unit test at
 * large sizes.
 */
import * as tf from '@tensorflow/tfjs';
import { estimateTrainingStepBytes, MemoryEstimate, MemoryEstimateOptions } from './memoryEstimate';
import { ResNetConfig, ResNetEncoder } from './resnet';

export interface MemoryProbeResult {
  backend: string;
  /** Engine bytes at the peak kernel of one profiled step (tensors only). */
  tensorPeakBytes: number;
  /** WebAssembly.Memory size after the steps (the high-water mark the 4 GiB cap applies to); null off wasm. */
  wasmHeapBytes: number | null;
  /** The model's estimate for the same step, with its default safety factor. */
  estimate: MemoryEstimate;
  /** (measured − fixed) / unscaled per-batch estimate: the safety factor this run would need. */
  neededFactor: number;
}

function wasmHeapBytes(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.buffer.byteLength : null;
}

/**
 * Runs `warmSteps` SGD-with-momentum steps (creating the optimizer slots), then one profiled step.
 * The loss is the mean square of the pooled features (any scalar does: the backward pass is the same).
 */
export async function measureTrainingStepMemory(
  config: Partial<ResNetConfig>,
  batch: number,
  inputSize: number,
  options: MemoryEstimateOptions & { warmSteps?: number } = {},
): Promise<MemoryProbeResult> {
  const enc = new ResNetEncoder(config);
  const x = tf.randomNormal([batch, inputSize, inputSize, enc.config.inChannels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const opt = tf.train.momentum(0.01, 0.9);
  try {
    const step = (): void => {
      const l = opt.minimize(() => tf.mean(tf.square(enc.forward(x).pooled)) as tf.Scalar, true, enc.trainableVariables());
      l?.dispose();
    };
    for (let i = 0; i < (options.warmSteps ?? 1); i++) step();
    const info = await tf.profile(() => step());
    const heap = wasmHeapBytes();
    const estimate = estimateTrainingStepBytes(enc.config, batch, inputSize, options);
    const unscaled = estimate.batchPerWorker * (estimate.activationBytesPerSample + estimate.transientBytesPerSample);
    const measured = heap ?? info.peakBytes;
    return {
      backend: tf.getBackend(),
      tensorPeakBytes: info.peakBytes,
      wasmHeapBytes: heap,
      estimate,
      neededFactor: (measured - estimate.fixedBytes) / unscaled,
    };
  } finally {
    x.dispose();
    // tfjs 4.22: MomentumOptimizer.dispose() does not call its SGD base's dispose, so the learning-rate
    // scalar `c` would leak one tensor per optimizer.
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    opt.dispose();
    if (c && !c.isDisposed) c.dispose();
    enc.dispose();
  }
}
