// Platform-specific packaging: the targets and their Dawn folders, and the bundles' `import 'webgpu'`
// becoming a by-path load of dawn.node (no ES module, no import.meta: VS Code's own Node can run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
type PackageScript = { TARGETS: Record<string, string>; parseTargets(v: string | undefined): string[]; hostTarget(): string };
type BuildScript = { buildOptions(production: boolean): Record<string, unknown>[] };
type EsbuildModule = { build(options: Record<string, unknown>): Promise<{ outputFiles: { path: string; text: string }[] }> };

const script = (): Promise<PackageScript> => importEsm<PackageScript>(pathToFileURL(path.join(ROOT, 'scripts', 'package.mjs')).href);

test('every VS Code target maps to a Dawn folder the webgpu package ships', async () => {
  const { TARGETS } = await script();
  assert.deepEqual(Object.keys(TARGETS).sort(), ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']);
  for (const [target, dir] of Object.entries(TARGETS)) {
    assert.ok(
      fs.existsSync(path.join(ROOT, 'node_modules', 'webgpu', 'dist', dir, 'dawn.node')),
      `${target}: no node_modules/webgpu/dist/${dir}/dawn.node`,
    );
  }
  assert.equal(TARGETS['darwin-arm64'], TARGETS['darwin-x64'], 'one universal macOS binary');
});

test('--target: one, a list, all, the host by default; an unknown one is named with the known ones', async () => {
  const { parseTargets, hostTarget } = await script();
  assert.deepEqual(parseTargets('linux-x64'), ['linux-x64']);
  assert.deepEqual(parseTargets('linux-x64, win32-x64'), ['linux-x64', 'win32-x64']);
  assert.equal(parseTargets('all').length, 6);
  assert.deepEqual(parseTargets(undefined), [hostTarget()]);
  assert.throws(() => parseTargets('linux-ia32'), /unknown target 'linux-ia32'; known: linux-x64, .*, or all/);
});

test(
  "the worker bundle loads dawn.node by path: `import 'webgpu'` is our loader, not the package's ES module",
  { timeout: 120_000 },
  async () => {
    const esbuild = await importEsm<EsbuildModule>('esbuild');
    const build = await importEsm<BuildScript>(pathToFileURL(path.join(ROOT, 'esbuild.mjs')).href);
    const options = build.buildOptions(true).find((b) => b.outfile === 'dist/cli.js');
    assert.ok(options, 'esbuild.mjs has no dist/cli.js build');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-bundle-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      fs.writeFileSync(entry, "export async function load(): Promise<unknown> { const m = await import('webgpu'); return m.create; }\n");
      const r = await esbuild.build({
        ...options,
        entryPoints: [entry],
        outfile: path.join(dir, 'out.js'),
        write: false,
        sourcemap: false,
        logLevel: 'silent',
        banner: {},
      });
      const js = r.outputFiles[0].text;
      assert.ok(js.includes('dawn.node'), 'the loader (dawnBinding.ts) is in the bundle');
      assert.ok(!js.includes('import.meta'), 'no import.meta (a CommonJS bundle has none)');
      assert.ok(!js.includes('deviceBuffers'), "the package's own index.js is not bundled");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
