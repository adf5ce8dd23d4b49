// How `pretrain.workers: 'auto'` and the bench use the cores on the wasm backend. With the oneDNN
// kernels, one replica whose convolutions run on oneDNN's threads is compared with one worker replica
// per core (each with one oneDNN thread); the faster one measured by `medssl bench` is the default.
import { kernelsKind } from './register';
import { loadOneDnnAddon } from './addon';

export interface ReplicaChoice {
  replicas: number;
  /** Threads oneDNN uses inside each replica (1 without native kernels: wasm runs single-threaded). */
  threadsPerReplica: number;
  why: string;
}

/**
 * Replicas for 'auto' on the wasm backend: one per core (at most 2), each with one oneDNN thread.
 * Measured with `medssl bench` (ResNet-18 32-64-128-256, 128², batch 64) on a 2-core AMD EPYC (Zen 5,
 * AVX-512) shared with other work (load 7–13), in interleaved pairs: 2 replicas x 1 thread 33–113
 * images/s, 1 replica x 2 oneDNN threads 18–53, slower in every pair. Only convolutions and matmuls run on oneDNN's threads; the rest of the step (batch norm,
 * ReLU, pooling, the update) is single-threaded wasm, which a second replica halves, and OpenMP's
 * barriers stall whenever one of its threads is descheduled on a busy machine.
 */
export function autoReplicas(cores: number): ReplicaChoice {
  const n = Math.max(1, Math.min(2, cores));
  if (kernelsKind() === 'native') {
    return { replicas: n, threadsPerReplica: 1, why: `${n} replica${n > 1 ? 's' : ''} x 1 oneDNN thread ('auto', ${cores} cores)` };
  }
  return { replicas: n, threadsPerReplica: 1, why: `${n} replica${n > 1 ? 's' : ''} ('auto', ${cores} cores)` };
}

/** oneDNN's threads in this JavaScript thread, or 1 when the kernels are WebAssembly. */
export function nativeThreads(): number {
  const { addon } = loadOneDnnAddon();
  return addon && kernelsKind() === 'native' ? addon.info().threads : 1;
}

/** Words for the bench and logs, e.g. "wasm (SIMD) + oneDNN 2.6.3 kernels (avx512_core, 2 threads)". */
export function describeKernels(simd: boolean): string {
  const base = `wasm (${simd ? 'SIMD' : 'no SIMD'})`;
  const { addon } = loadOneDnnAddon();
  if (!addon || kernelsKind() !== 'native') return `${base}, wasm kernels`;
  const i = addon.info();
  return `${base} + oneDNN ${i.version} conv/matmul kernels (${i.isa}, ${i.threads} thread${i.threads > 1 ? 's' : ''})`;
}
