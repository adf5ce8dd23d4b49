import { formatBytes } from '../models/memoryEstimate';
import type { EnvReport } from './types';

/** The WebGPU adapter block: which GPU, which driver, software or hardware, the limits that bound a batch. */
export function formatWebGPU(w: EnvReport['webgpu']): string[] {
  const a = w.adapter;
  if (!a) return [`WebGPU (Dawn): no adapter — ${w.reason ?? 'not probed'}`];
  const v = (s: string): string => s || '(not reported)';
  return [
    `WebGPU (Dawn, ${a.dawnBackend}, ${a.featureLevel} feature level): ${a.software ? `SOFTWARE adapter — ${a.softwareReason}` : 'hardware adapter'}`,
    `  vendor ${v(a.vendor)}, architecture ${v(a.architecture)}, device ${v(a.device)}`,
    `  description/driver: ${v(a.description)}`,
    `  limits: buffer ${formatBytes(a.limits.maxBufferSize)}, storage binding ${formatBytes(a.limits.maxStorageBufferBindingSize)}, ` +
      `${a.limits.maxStorageBuffersPerShaderStage} storage buffers per stage, workgroup storage ${formatBytes(a.limits.maxComputeWorkgroupStorageSize)}`,
  ];
}

/** Plain-text rendering for the terminal and the output channel. */
export function formatEnvReport(r: EnvReport): string {
  const lines: string[] = [];
  lines.push(`Will this use my GPU? ${r.gpuAnswer}`);
  lines.push('');
  lines.push(`Node ${r.node.version} (${r.node.execPath})${r.node.electronAsNode ? ' — VS Code runtime as Node' : ''}`);
  lines.push(
    `${r.platform.os} ${r.platform.arch}, ${r.platform.cpus} cores (${r.platform.cpuModel}), memory ${r.platform.freeMemMiB} MiB free of ${r.platform.totalMemMiB} MiB`,
  );
  lines.push('');
  lines.push('Backends (auto tries them in this order):');
  for (const b of r.backends) lines.push(`  ${b.available ? 'yes' : 'no '}  ${b.name.padEnd(14)} ${b.reason}`);
  lines.push(`  auto → ${r.auto.backend}: ${r.auto.device}`);
  lines.push('');
  lines.push(`CUDA libraries for tfjs-node-gpu (CUDA 11.2, cuDNN 8.1):${r.cuda.gpus.length ? '' : ' no GPU visible'}`);
  for (const g of r.cuda.gpus) lines.push(`  ${g}`);
  for (const l of r.cuda.libraries) lines.push(`  ${l.foundAt ? 'found  ' : 'missing'}  ${l.candidates[0].padEnd(20)} ${l.foundAt ?? ''}`);
  lines.push('');
  lines.push(...formatWebGPU(r.webgpu));
  lines.push('');
  lines.push(
    `Threads: ${r.threads.cores} cores; wasm threads per backend: ${r.threads.wasmThreadsUsable}; worker threads: ${r.threads.workerThreads}`,
  );
  lines.push(`WebAssembly: ${r.wasm.simd ? 'SIMD' : 'no SIMD'}, heap limit ${r.wasm.heapLimitMiB} MiB per worker`);
  const n = r.nativeKernels;
  if (n) {
    if (n.kernels === 'native' && n.oneDnn) {
      const impls = Object.entries(n.oneDnn.impls)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('; ');
      lines.push(
        `Native kernels under wasm: ${n.native.join(', ')} on oneDNN ${n.oneDnn.version}, ISA ${n.oneDnn.isa}, ${n.oneDnn.threads} thread${n.oneDnn.threads > 1 ? 's' : ''}${impls ? ` (${impls})` : ''}`,
      );
      lines.push(`  addon: ${n.detail}`);
    } else {
      lines.push(`Native kernels under wasm: none, every kernel is WebAssembly — ${n.detail}`);
    }
  }
  return lines.join('\n');
}
