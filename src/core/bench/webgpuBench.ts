// `medssl bench --backend webgpu`: the training step of `medssl bench` (the same ResNet-18-shaped
// encoder, synthetic batch, mean-square loss of the pooled features, SGD momentum) on the WebGPU
// backend, then on wasm in the same process for the row beside it. A software adapter (a CPU
// rasteriser standing in for a GPU) gives a number that says nothing about GPUs: it is printed and
// marked software, and no ratio is formed.
import * as tf from '@tensorflow/tfjs';
import { startWebGPU, stopWebGPU } from '../backend/webgpu/start';
import { adapterLabel, type WebGPUAdapterReport } from '../backend/webgpu/adapter';
import { ResNetEncoder } from '../models/resnet';
import { runBench, type BenchOptions, type BenchResult } from './trainStepBench';

/** The adapter a webgpu bench ran on, as the result and `--json` carry it. */
export interface BenchAdapter extends WebGPUAdapterReport {
  /** One line: vendor, device, driver, software or hardware, Dawn's backend. */
  label: string;
}

/** The bench's result with what only a GPU backend has. */
export interface WebGPUBenchResult extends BenchResult {
  /**
   * GPU buffer memory tfjs held after the measured steps: its buffer pool keeps freed buffers for
   * reuse, so this is the high-water mark of the step's buffers (null when the backend does not say).
   */
  gpu_buffer_bytes: number | null;
}

/** Why a software adapter's number is never compared. */
export const SOFTWARE_NOT_COMPARED =
  'software adapter: a CPU stand-in for a GPU, so its images/s say nothing about GPU speed and are not compared';

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Seconds of each measured step on the active (webgpu) backend (the loss is read asynchronously, as the
 * engine does), and the buffer memory tfjs holds afterwards.
 */
async function timeSteps(
  o: { batch: number; size: number; widths: [number, number, number, number]; steps: number; warmup: number },
  progress: (m: string) => void,
): Promise<{ times: number[]; bufferBytes: number | null }> {
  const encoder = new ResNetEncoder({ depth: 18, widths: o.widths, inChannels: 1, seed: 0 });
  encoder.train();
  const vars = encoder.trainableVariables();
  const opt = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([o.batch, o.size, o.size, 1], 0, 1, 'float32', 1000) as tf.Tensor4D;
  const times: number[] = [];
  try {
    for (let i = 0; i < o.warmup + o.steps; i++) {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const out = encoder.forward(x);
        const loss = tf.mean(tf.square(out.pooled)) as tf.Scalar;
        tf.dispose([out.stem, ...out.stages, out.pooled]);
        return loss;
      }, vars);
      opt.applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name] })));
      // Reading the loss waits for the GPU to finish the step's work (and fails it on a device error).
      const loss = (await value.data())[0];
      tf.dispose([value, ...Object.values(grads)]);
      const dt = (performance.now() - t0) / 1000;
      if (!Number.isFinite(loss)) throw new Error(`bench: the webgpu step gave loss ${loss}`);
      if (i >= o.warmup) times.push(dt);
      progress(`step ${i + 1}/${o.warmup + o.steps}${i < o.warmup ? ' (warm-up)' : ''}: webgpu ${dt.toFixed(2)} s`);
    }
  } finally {
    x.dispose();
    opt.dispose();
    encoder.dispose();
  }
  const held = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
  return { times, bufferBytes: typeof held === 'number' ? held : null };
}

/**
 * The webgpu bench: our row is webgpu (on the adapter Dawn picks; a software one is allowed, since
 * the user asked for webgpu by name), the row beside it is wasm with the same model and step (without
 * `peer`: webgpu alone). Rejects with the plain reason when no adapter is usable.
 */
export async function runWebGPUBench(opts: BenchOptions & { peer?: boolean } = {}): Promise<WebGPUBenchResult> {
  const o = {
    batch: opts.batch ?? 64,
    size: opts.size ?? 128,
    widths: opts.widths ?? ([32, 64, 128, 256] as [number, number, number, number]),
    steps: opts.steps ?? 5,
    warmup: opts.warmup ?? 2,
  };
  const progress = opts.onProgress ?? ((): void => undefined);
  const started = await startWebGPU({ allowSoftware: true });
  const adapter: BenchAdapter = { ...started.adapter, label: adapterLabel(started.adapter) };
  progress(`webgpu on ${adapter.label}: batch ${o.batch}, ${o.size}x${o.size}, widths ${o.widths.join('-')}`);
  let steps: number[];
  let bufferBytes: number | null;
  try {
    ({ times: steps, bufferBytes } = await timeSteps(o, progress));
  } finally {
    stopWebGPU();
  }
  let wasm: BenchResult | null = null;
  let reason: string | undefined;
  if (opts.peer === false) reason = 'wasm row disabled';
  else wasm = await runBench({ ...o, workers: opts.workers, torch: false, data: false, onProgress: (m) => progress(`wasm ${m}`) });
  const med = median(steps);
  const ips = o.batch / med;
  const best = o.batch / Math.min(...steps);
  const compare = wasm !== null && !adapter.software;
  if (adapter.software) reason = SOFTWARE_NOT_COMPARED;
  return {
    backend: 'webgpu',
    kernels: 'webgpu',
    mode: `Dawn ${adapter.dawnBackend}, ${adapter.software ? 'software' : 'hardware'} adapter`,
    images_per_s: ips,
    best_images_per_s: best,
    threads: 0,
    batch: o.batch,
    size: o.size,
    widths: [...o.widths],
    step_s: steps,
    median_step_s: med,
    peer: wasm
      ? {
          name: `wasm: ${wasm.mode}`,
          images_per_s: wasm.images_per_s,
          best_images_per_s: wasm.best_images_per_s,
          threads: wasm.threads,
          step_s: wasm.step_s,
        }
      : null,
    ...(reason ? { peer_reason: reason } : {}),
    ratio: compare ? ips / wasm!.images_per_s : null,
    ratio_best: compare ? best / wasm!.best_images_per_s : null,
    load_avg: wasm?.load_avg ?? [0, 0],
    warnings: wasm?.warnings ?? [],
    phases: [],
    adapter,
    gpu_buffer_bytes: bufferBytes,
  };
}
