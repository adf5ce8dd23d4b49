// Where Dawn's binary (the `webgpu` package's dawn.node) is: a platform-specific package carries one in
// dist/webgpu/<platform>-<arch>/ (macOS: one universal build), a source checkout finds it in
// node_modules/webgpu/dist/. Pure path logic; dawnBinding.ts loads it.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder name the `webgpu` package uses for a platform's binary. */
export function dawnPlatformDir(platform: string = process.platform, arch: string = process.arch): string {
  return platform === 'darwin' ? 'darwin-universal' : `${platform}-${arch}`;
}

/** Where dawn.node may be, in order: MEDSSL_DAWN_NODE, beside the bundle, the installed package. */
export function dawnNodeCandidates(bundleDir: string, platformDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const list: string[] = [];
  if (env.MEDSSL_DAWN_NODE) list.push(path.resolve(env.MEDSSL_DAWN_NODE));
  list.push(path.join(bundleDir, 'webgpu', platformDir, 'dawn.node'));
  try {
    list.push(path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', platformDir, 'dawn.node'));
  } catch {
    // No node_modules: a packaged extension or the portable GPU check.
  }
  return list;
}

/** The first candidate that exists, or an error that says what was looked for and what to install. */
export function findDawnNode(bundleDir: string, platformDir: string = dawnPlatformDir(), env: NodeJS.ProcessEnv = process.env): string {
  const list = dawnNodeCandidates(bundleDir, platformDir, env);
  const found = list.find((p) => fs.existsSync(p));
  if (found) return found;
  throw new Error(
    `WebGPU is unavailable: no Dawn binary (dawn.node) for ${platformDir}; looked in ${list.join(', ')}. ` +
      `This copy was packaged for another platform: install the MedSSL Studio build for ${platformDir}.`,
  );
}
