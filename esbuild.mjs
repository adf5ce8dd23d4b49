// Bundles: dist/extension.js (extension host), dist/cli.js (worker + `medssl` CLI),
// dist/webview/<panel>.js (one browser bundle per panel). The wasm binaries of the portable
// backend are copied to dist/wasm so the packaged extension needs no node_modules. Dawn (WebGPU) is one
// native binary per platform: `import 'webgpu'` resolves to src/core/backend/dawnBinding.ts, which loads
// dist/webgpu/<platform>-<arch>/dawn.node by path, and one platform's binary folder is copied there
// (this machine's, or `--webgpu <dir>` as scripts/package.mjs asks; `--webgpu none` copies none).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const webgpuAt = process.argv.indexOf('--webgpu');
// Native TensorFlow bindings are optional and load libtensorflow from their own folder: never bundle them.
const nativeExternals = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
// Entry points and outputs are relative to this file's folder, whatever the caller's working directory.
const root = fileURLToPath(new URL('.', import.meta.url));

/** `import 'webgpu'` (exactly the package, not its subpaths) becomes our loader of dawn.node by path. */
const dawnByPath = {
  name: 'dawn-by-path',
  setup(build) {
    build.onResolve({ filter: /^webgpu$/ }, () => ({ path: join(root, 'src', 'core', 'backend', 'dawnBinding.ts') }));
  },
};

/** The three builds; exported so a unit test can bundle the extension as `--production` does, in memory. */
export function buildOptions(production) {
  const common = {
    bundle: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
    legalComments: 'none',
    absWorkingDir: root,
    plugins: [dawnByPath],
  };

  const builds = [
    {
      ...common,
      entryPoints: ['src/extension/extension.ts'],
      outfile: 'dist/extension.js',
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: ['vscode', ...nativeExternals],
      // The integration tests' commands (src/extension/commands/testCommands.ts) are left out of the package.
      define: { MEDSSL_TEST_COMMANDS: production ? 'false' : 'true' },
    },
    {
      ...common,
      entryPoints: ['src/cli/main.ts'],
      outfile: 'dist/cli.js',
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: nativeExternals,
      banner: { js: '#!/usr/bin/env node' },
    },
    {
      ...common,
      entryPoints: readdirSync(join(root, 'webview'))
        .filter((d) => existsSync(join(root, 'webview', d, 'main.ts')))
        .map((d) => ({ in: join('webview', d, 'main.ts'), out: d })),
      outdir: 'dist/webview',
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    },
  ];
  return builds;
}

function copyWasm() {
  const src = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  mkdirSync('dist/wasm', { recursive: true });
  for (const f of readdirSync(src).filter((f) => f.endsWith('.wasm'))) cpSync(join(src, f), join('dist/wasm', f));
}

// The optional oneDNN addon (linux-x64) with the shared libraries it needs beside it: it was linked
// with rpath $ORIGIN, so the packaged extension runs it without Debian's libdnnl. Elsewhere, or when it
// was not built, dist/native stays empty and the engine runs (and says it runs) pure wasm.
const NATIVE_LIBS = ['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1'];
function copyNative(target) {
  rmSync('dist/native', { recursive: true, force: true });
  const addon = 'native/build/Release/medssl_onednn.node';
  if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync(addon)) return;
  if (target !== 'linux-x64' && target !== 'none') return; // a package for another platform runs pure wasm
  mkdirSync('dist/native', { recursive: true });
  cpSync(addon, 'dist/native/medssl_onednn.node');
  const ldd = execFileSync('ldd', [addon], { encoding: 'utf8' });
  for (const lib of NATIVE_LIBS) {
    const m = new RegExp(`${lib.replace(/\./g, '\\.')} => (\\S+)`).exec(ldd);
    if (!m) throw new Error(`esbuild: ${addon} needs ${lib}, which ldd does not resolve`);
    cpSync(m[1], join('dist/native', lib), { dereference: true });
  }
}

/** The `webgpu` package's folder name for this machine's binary (macOS: one universal build). */
function hostDawnDir() {
  return process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
}

/** Copies one platform's Dawn folder (dawn.node, and on Windows the DirectX compiler DLLs) to dist/webgpu. */
function copyDawn(dir) {
  rmSync('dist/webgpu', { recursive: true, force: true });
  if (dir === 'none') return;
  const src = join('node_modules/webgpu/dist', dir);
  if (!existsSync(join(src, 'dawn.node')))
    throw new Error(
      `esbuild.mjs --webgpu ${dir}: ${src}/dawn.node not found (folders: ${readdirSync('node_modules/webgpu/dist').join(', ')})`,
    );
  cpSync(src, join('dist/webgpu', dir), { recursive: true });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain && watch) {
  for (const b of buildOptions(production)) (await esbuild.context(b)).watch();
} else if (isMain) {
  await Promise.all(buildOptions(production).map((b) => esbuild.build(b)));
  copyWasm();
  const dawnDir = webgpuAt >= 0 ? process.argv[webgpuAt + 1] : hostDawnDir();
  copyDawn(dawnDir);
  copyNative(dawnDir);
  cpSync('src/core/config/medssl.schema.json', 'dist/medssl.schema.json');
  chmodSync('dist/cli.js', 0o755);
}
