import { detectNvidiaGpus, probeCudaLibraries } from './cudaProbe';
import type { BackendHost } from './select';
import { initWasmBackend } from './wasm/init';
import { nativeKernelStatus } from './native/register';

/** The real machine: optional native packages from node_modules, the NVIDIA driver, the wasm backend. */
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
      return { simd, threads, native: nativeKernelStatus() };
    },
  };
}
