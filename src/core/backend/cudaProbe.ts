import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { LibraryProbe } from './types';

/**
 * Shared libraries that @tensorflow/tfjs-node-gpu 4.x (libtensorflow 2.9, built for CUDA 11.2 and
 * cuDNN 8.1) loads at start. When one is missing, requiring the package fails or TensorFlow silently
 * runs on the CPU: naming them is the most useful answer to "will this use my GPU?".
 */
export const CUDA_LIBRARIES: ReadonlyArray<{ name: string; candidates: string[] }> = [
  { name: 'CUDA runtime 11.x', candidates: ['libcudart.so.11.0'] },
  { name: 'cuBLAS 11', candidates: ['libcublas.so.11'] },
  { name: 'cuBLASLt 11', candidates: ['libcublasLt.so.11'] },
  { name: 'cuFFT 10', candidates: ['libcufft.so.10'] },
  { name: 'cuRAND 10', candidates: ['libcurand.so.10'] },
  { name: 'cuSOLVER 11', candidates: ['libcusolver.so.11'] },
  { name: 'cuSPARSE 11', candidates: ['libcusparse.so.11'] },
  { name: 'cuDNN 8', candidates: ['libcudnn.so.8'] },
];

/** Folders the dynamic loader searches, in the order it does (LD_LIBRARY_PATH first). */
export function librarySearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const standard = [
    '/usr/local/cuda/lib64',
    '/usr/local/cuda/targets/x86_64-linux/lib',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ];
  const versioned = safeList('/usr/local')
    .filter((d) => /^cuda-\d/.test(d))
    .map((d) => join('/usr/local', d, 'lib64'));
  return [...new Set([...fromEnv, ...standard, ...versioned])];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The `ldconfig -p` cache as a map from library file name to path (empty when ldconfig is absent). */
export function ldconfigCache(run: (cmd: string, args: string[]) => string = defaultRun): Map<string, string> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = run('ldconfig', ['-p']);
  } catch {
    try {
      text = run('/sbin/ldconfig', ['-p']);
    } catch {
      return out;
    }
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\(.*\)\s+=>\s+(\S+)/.exec(line);
    if (m && !out.has(m[1])) out.set(m[1], m[2]);
  }
  return out;
}

function defaultRun(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
}

export function probeCudaLibraries(
  dirs: string[] = librarySearchDirs(),
  cache: Map<string, string> = ldconfigCache(),
  exists: (p: string) => boolean = existsSync,
): LibraryProbe[] {
  return CUDA_LIBRARIES.map(({ name, candidates }) => {
    for (const file of candidates) {
      for (const dir of dirs) {
        const p = join(dir, file);
        if (exists(p)) return { name, candidates, foundAt: p };
      }
      const cached = cache.get(file);
      if (cached) return { name, candidates, foundAt: cached };
    }
    return { name, candidates };
  });
}

/** GPUs the NVIDIA driver reports (`nvidia-smi -L`), or [] with no driver. */
export function detectNvidiaGpus(run: (cmd: string, args: string[]) => string = defaultRun): { gpus: string[]; nvidiaSmi?: string } {
  try {
    const text = run('nvidia-smi', ['-L']);
    const gpus = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('GPU '));
    return { gpus, nvidiaSmi: 'nvidia-smi' };
  } catch {
    // No nvidia-smi: look at the driver's proc entries, which exist whenever the kernel module sees a GPU.
    const gpus = safeList('/proc/driver/nvidia/gpus').map((bus) => `GPU at PCI ${bus}`);
    return { gpus };
  }
}
