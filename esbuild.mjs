// Bundles: dist/extension.js (extension host), dist/cli.js (worker + `medssl` CLI),
// dist/webview/<panel>.js (one browser bundle per panel). The wasm binaries of the portable
// backend are copied to dist/wasm so the packaged extension needs no node_modules.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// Native bindings load binaries from their own folder (libtensorflow; Dawn's dawn.node per platform): never bundle them.
const nativeExternals = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'];
// Entry points and outputs are relative to this file's folder, whatever the caller's working directory.
const root = fileURLToPath(new URL('.', import.meta.url));

/** The three builds; exported so a unit test can bundle the extension as `--production` does, in memory. */
export function buildOptions(production) {
  const common = {
    bundle: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
    legalComments: 'none',
    absWorkingDir: root,
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

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain && watch) {
  for (const b of buildOptions(production)) (await esbuild.context(b)).watch();
} else if (isMain) {
  await Promise.all(buildOptions(production).map((b) => esbuild.build(b)));
  copyWasm();
  cpSync('src/core/config/medssl.schema.json', 'dist/medssl.schema.json');
  chmodSync('dist/cli.js', 0o755);
}
