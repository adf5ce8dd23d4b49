/**
 * Why Dawn found no adapter, as far as can be told from outside: Dawn itself only prints a warning on
 * stderr. On Linux the usual cause is a missing Vulkan loader or driver.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ldconfigCache, librarySearchDirs } from '../cudaProbe';
import type { DawnBackend } from './dawn';

/** Where libvulkan.so.1 is (next to dawn.node, the loader path, ldconfig), or undefined. */
export function findVulkanLoader(): string | undefined {
  const name = 'libvulkan.so.1';
  let beside: string | undefined;
  try {
    beside = path.join(path.dirname(require.resolve('webgpu')), 'dist', `${process.platform}-${process.arch}`, name);
  } catch {
    beside = undefined;
  }
  for (const dir of librarySearchDirs()) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  if (beside && fs.existsSync(beside)) return beside;
  return ldconfigCache().get(name);
}

export function noAdapterReason(backend: DawnBackend | undefined): string {
  const via = backend ? `Dawn backend '${backend}' (MEDSSL_DAWN_BACKEND)` : "Dawn's default backend";
  let hint = '';
  if (process.platform === 'linux' && backend !== 'opengles') {
    hint = findVulkanLoader()
      ? '; the Vulkan loader is installed, so no Vulkan driver accepted (install the GPU vendor driver, e.g. NVIDIA >= 525, Mesa RADV/ANV)'
      : '; the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: libvulkan1) and no GPU driver is reachable without it';
  }
  return `no WebGPU adapter through ${via}${hint}`;
}
