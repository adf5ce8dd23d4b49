import { detectNvidiaGpus, probeCudaLibraries } from './cudaProbe';
import type { BackendHost } from './select';
import { initWasmBackend } from './wasm/init';
import { adapterLabel } from './webgpu/adapter';
import { probeWebGPU, startWebGPU } from './webgpu/start';

/** The real machine: optional native packages from node_modules, the NVIDIA driver, Dawn (WebGPU), the wasm backend. */
export function machineBackendHost(): BackendHost {
  return {
    requireOptional(name) {
      // Literal requires, so the bundler keeps them as runtime requires of the external packages.
      if (name === '@tensorflow/tfjs-node-gpu') return require('@tensorflow/tfjs-node-gpu');
      return require('@tensorflow/tfjs-node');
    },
    gpus: () => detectNvidiaGpus().gpus,
    cudaLibraries: () => probeCudaLibraries(),
    initWasm: async () => {
      const { simd, threads } = await initWasmBackend();
      return { simd, threads };
    },
    initWebGPU: async (allowSoftware) => {
      const s = await startWebGPU({ allowSoftware });
      return { label: adapterLabel(s.adapter), software: s.software };
    },
    describeWebGPU: async () => {
      try {
        return { adapter: await probeWebGPU() };
      } catch (e) {
        return { reason: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
      }
    },
  };
}
