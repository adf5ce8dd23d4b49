// The package's extension bundle (`esbuild.mjs --production`) carries no test-only command; a development
// build does. Bundled in memory with the same options the build script uses.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

interface BuildResult {
  outputFiles: { path: string; text: string }[];
}
type EsbuildModule = { build(options: Record<string, unknown>): Promise<BuildResult> };
type BuildScript = { buildOptions(production: boolean): Record<string, unknown>[] };

// tsc turns import() into require() under CommonJS; the build script is an ES module, so import it for real.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function extensionBundle(production: boolean): Promise<string> {
  const esbuild = await importEsm<EsbuildModule>('esbuild');
  const script = await importEsm<BuildScript>(pathToFileURL(path.join(ROOT, 'esbuild.mjs')).href);
  const options = script.buildOptions(production).find((b) => b.outfile === 'dist/extension.js');
  assert.ok(options, 'esbuild.mjs has no dist/extension.js build');
  const result = await esbuild.build({ ...options, write: false, sourcemap: false, logLevel: 'silent' });
  const js = result.outputFiles.find((f) => f.path.endsWith('extension.js'));
  assert.ok(js, 'no extension.js in the build output');
  return js.text;
}

test('the production bundle has no medssl.test.* command; a development bundle registers them', { timeout: 120_000 }, async () => {
  const prod = await extensionBundle(true);
  // Plain includes (not assert.match): a failure must not print the whole bundle.
  assert.ok(prod.includes('medssl.train'), 'the production bundle lacks the Train command: wrong entry point?');
  const leaked = prod.match(/medssl\.test\.[A-Za-z]+/g) ?? [];
  assert.deepEqual(leaked, [], `test commands in the production bundle: ${leaked.join(', ')}`);
  const dev = await extensionBundle(false);
  for (const id of ['medssl.test.simulateUntrusted', 'medssl.test.jobs', 'medssl.test.followedRun'])
    assert.ok(dev.includes(id), `${id} missing from the development bundle`);
});
