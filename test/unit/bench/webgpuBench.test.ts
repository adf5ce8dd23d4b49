// `medssl bench --backend webgpu`: the step runs on the adapter and names it; a software adapter's
// number is marked and never compared. Runs on Dawn's OpenGL ES backend over Mesa llvmpipe when the
// machine has it (skipped with the reason otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBench } from '../../../src/cli/commands/bench';
import { runWebGPUBench, SOFTWARE_NOT_COMPARED, type WebGPUBenchResult } from '../../../src/core/bench/webgpuBench';
import type { BenchResult } from '../../../src/core/bench/trainStepBench';

const tiny = { batch: 2, size: 32, widths: [4, 8, 8, 16] as [number, number, number, number], steps: 1, warmup: 1, workers: 1 };

test('webgpu bench on a software adapter: images/s and the adapter, marked software, no ratio', { timeout: 300_000 }, async (t) => {
  process.env.MEDSSL_DAWN_BACKEND ??= 'opengles';
  let r: WebGPUBenchResult;
  try {
    r = await runWebGPUBench({ ...tiny, onProgress: () => undefined });
  } catch (e) {
    return t.skip(`no WebGPU adapter here: ${e instanceof Error ? e.message : String(e)}`);
  }
  assert.equal(r.backend, 'webgpu');
  assert.ok(r.adapter, 'the adapter is in the result');
  assert.ok(r.images_per_s > 0 && Number.isFinite(r.images_per_s));
  assert.ok(r.peer && r.peer.name.startsWith('wasm'), 'wasm beside it');
  assert.ok(r.gpu_buffer_bytes !== null && r.gpu_buffer_bytes > 0, 'the buffer memory tfjs held on the GPU');
  if (r.adapter.software) {
    assert.equal(r.ratio, null);
    assert.equal(r.ratio_best, null);
    assert.equal(r.peer_reason, SOFTWARE_NOT_COMPARED);
  }
  const text = formatBench(r);
  assert.match(text, /adapter: /);
  if (r.adapter.software) assert.match(text, /SOFTWARE adapter: not a GPU speed/);
  if (r.adapter.software) assert.doesNotMatch(text, /ratio \(ours/);
});

test('a hardware adapter is compared with wasm; the table names the adapter', () => {
  const adapter = {
    vendor: 'nvidia',
    architecture: 'hopper',
    device: 'H100',
    description: 'NVIDIA 550',
    dawnBackend: 'vulkan' as const,
    featureLevel: 'core' as const,
    software: false,
    softwareReason: '',
    limits: {} as never,
    label: 'nvidia hopper H100 (NVIDIA 550), hardware, Dawn vulkan',
  };
  const r = {
    backend: 'webgpu',
    mode: 'Dawn vulkan, hardware adapter',
    images_per_s: 200,
    best_images_per_s: 210,
    threads: 0,
    kernels: 'webgpu',
    batch: 64,
    size: 128,
    widths: [32, 64, 128, 256],
    step_s: [0.32],
    median_step_s: 0.32,
    peer: { name: 'wasm: 2 workers', images_per_s: 20, best_images_per_s: 21, threads: 2, step_s: [3.2] },
    ratio: 10,
    ratio_best: 10,
    load_avg: [0, 0] as [number, number],
    warnings: [],
    phases: [],
    adapter,
  } satisfies BenchResult;
  const text = formatBench(r);
  assert.match(text, /adapter: nvidia hopper H100 \(NVIDIA 550\), hardware, Dawn vulkan/);
  assert.match(text, /ratio \(ours \/ peer\): 10\.00/);
  assert.doesNotMatch(text, /SOFTWARE/);
});
