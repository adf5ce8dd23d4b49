import { WASM_HEAP_LIMIT_BYTES } from '../models/memoryEstimate';
import * as os from 'node:os';
import { detectNvidiaGpus, probeCudaLibraries } from './cudaProbe';
import { chooseBackend, probeBackends, shortReason, type BackendHost } from './select';
import type { BackendChoice, BackendProbe, EnvReport, LibraryProbe } from './types';

/** The wasm backend's per-instance memory cap (4 GiB address space); past it the process dies silently. */
export const WASM_HEAP_LIMIT_MIB = WASM_HEAP_LIMIT_BYTES / 2 ** 20;

/** "Will this use my GPU?" in one sentence, from the probes. */
export function answerGpuQuestion(
  probes: BackendProbe[],
  auto: BackendChoice,
  libs: LibraryProbe[],
  gpus: string[],
  webgpu: EnvReport['webgpu'] = {},
): string {
  if (auto.backend === 'tfjs-node-gpu') return `Yes: jobs will train on the GPU — ${auto.device}.`;
  if (auto.backend === 'webgpu') return `Yes: jobs will train on the GPU through WebGPU — ${auto.device}.`;
  const gpu = probes.find((p) => p.name === 'tfjs-node-gpu');
  const missing = libs.filter((l) => !l.foundAt).map((l) => l.candidates[0]);
  const parts: string[] = [];
  if (gpus.length === 0) parts.push('no NVIDIA GPU is visible on this machine');
  else parts.push(`${gpus.length} GPU${gpus.length > 1 ? 's' : ''} visible (${gpus[0]})`);
  if (missing.length)
    parts.push(
      missing.length <= 2
        ? `CUDA/cuDNN libraries missing: ${missing.join(', ')}`
        : `${missing.length} of ${libs.length} CUDA 11.2/cuDNN 8.1 libraries are missing`,
    );
  if (gpu && !gpu.available) parts.push(shortReason(gpu.reason));
  if (webgpu.adapter?.software) parts.push(`the only WebGPU adapter is a software one (${webgpu.adapter.softwareReason})`);
  else if (webgpu.reason) parts.push(`WebGPU: ${webgpu.reason}`);
  return `No: jobs will run on '${auto.backend}' — ${auto.device} — because ${parts.join('; ')}.`;
}

/** Why the native kernels do not run here, for hosts that do not report them (tests' stand-ins). */
const NO_NATIVE_REPORT = 'the wasm backend did not report its kernels';

export async function collectEnvReport(host: BackendHost): Promise<EnvReport> {
  const backends = await probeBackends(host);
  const auto = await chooseBackend('auto', host);
  const libraries = probeCudaLibraries();
  const { gpus, nvidiaSmi } = detectNvidiaGpus();
  const webgpu = host.describeWebGPU ? await host.describeWebGPU() : { reason: 'not probed' };
  const wasm = backends.find((b) => b.name === 'wasm');
  const cores = os.cpus().length;
  const wasmThreads = /(\d+) threads?/.exec(wasm?.reason ?? '');
  return {
    node: {
      version: process.versions.node,
      execPath: process.execPath,
      electronAsNode: process.env.ELECTRON_RUN_AS_NODE === '1' || Boolean(process.versions.electron),
    },
    platform: {
      os: `${os.type()} ${os.release()}`,
      arch: process.arch,
      cpus: cores,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
      freeMemMiB: Math.round(os.freemem() / 2 ** 20),
    },
    backends,
    auto,
    cuda: { libraries, nvidiaSmi, gpus },
    threads: { cores, wasmThreadsUsable: wasmThreads ? Number(wasmThreads[1]) : 0, workerThreads: cores },
    wasm: { heapLimitMiB: WASM_HEAP_LIMIT_MIB, simd: /SIMD/.test(wasm?.reason ?? '') },
    nativeKernels: wasm?.native ?? {
      kernels: 'wasm',
      native: [],
      detail: wasm?.available ? NO_NATIVE_REPORT : `the wasm backend cannot run: ${wasm?.reason ?? 'not probed'}`,
    },
    webgpu,
    gpuAnswer: answerGpuQuestion(backends, auto, libraries, gpus, webgpu),
  };
}
