/**
 * Why Dawn found no adapter, as far as can be told from outside: Dawn itself only prints a warning on
 * stderr. On Linux the usual cause is a missing Vulkan loader or driver.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ldconfigCache, librarySearchDirs } from '../cudaProbe';
import { dawnNodeCandidates, dawnPlatformDir } from '../dawnLocate';
import type { DawnBackend } from './dawn';

/**
 * Where libvulkan.so.1 is, or undefined: beside any dawn.node Dawn may load (a bundle's dist/webgpu/<platform>/,
 * as the portable GPU check ships it, or the installed package's; Dawn looks there first), on the
 * library path, or in ldconfig's cache. `bundleDir` is the folder of the running bundle (dist/).
 */
export function findVulkanLoader(bundleDir: string = __dirname): string | undefined {
  const name = 'libvulkan.so.1';
  for (const dawnNode of dawnNodeCandidates(bundleDir, dawnPlatformDir())) {
    const beside = path.join(path.dirname(dawnNode), name);
    if (fs.existsSync(beside)) return beside;
  }
  for (const dir of librarySearchDirs()) {
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return ldconfigCache().get(name);
}

/**
 * Whether Dawn would look for its adapter through Vulkan (Linux, its default backend or 'vulkan') and no
 * Vulkan loader is there to load: then no adapter can come back.
 */
export function vulkanCannotLoad(
  backend: DawnBackend | undefined,
  platform: string = process.platform,
  bundleDir: string = __dirname,
): boolean {
  return platform === 'linux' && (backend === undefined || backend === 'vulkan') && findVulkanLoader(bundleDir) === undefined;
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
