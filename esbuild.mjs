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

/** The `webgpu` package's folder name for this machine's binary (macOS: one universal build). */
function hostDawnDir() {
  return process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
}

/** Copies one platform's Dawn folder (dawn.node, and on Windows the DirectX compiler DLLs) to dist/webgpu. */
function copyDawn(dir) {
  rmSync('dist/webgpu', { recursive: true, force: true });
  if (dir === 'none') return;
  const src = join('node_modules/webgpu/dist', dir);
  if (!existsSync(join(src, 'dawn.node'))) throw new Error(`esbuild.mjs --webgpu ${dir}: ${src}/dawn.node not found (folders: ${readdirSync('node_modules/webgpu/dist').join(', ')})`);
  cpSync(src, join('dist/webgpu', dir), { recursive: true });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain && watch) {
  for (const b of buildOptions(production)) (await esbuild.context(b)).watch();
} else if (isMain) {
  await Promise.all(buildOptions(production).map((b) => esbuild.build(b)));
  copyWasm();
  copyDawn(webgpuAt >= 0 ? process.argv[webgpuAt + 1] : hostDawnDir());
  cpSync('src/core/config/medssl.schema.json', 'dist/medssl.schema.json');
  chmodSync('dist/cli.js', 0o755);
}
