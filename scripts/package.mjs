#!/usr/bin/env node
// `npm run package -- --target linux-x64|linux-arm64|darwin-arm64|darwin-x64|win32-x64|win32-arm64`:
// one platform-specific .vsix per target (VS Code installs the one that matches the user's machine),
// each carrying only its platform's Dawn binary (the `webgpu` package holds all of them, 137 MB).
// Several targets: a comma-separated list, or `all`. No --target: this machine's.
//   node scripts/package.mjs --target linux-x64[,darwin-arm64...] [--out-dir DIR] [--json]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** VS Code target → the `webgpu` package's folder for it (macOS: one universal binary for both). */
export const TARGETS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-arm64': 'darwin-universal',
  'darwin-x64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

/** The VS Code target of this machine. */
export function hostTarget() {
  return `${process.platform}-${process.arch}`;
}

/** Targets named by a --target value (list or `all`); an error naming the bad one and the known ones. */
export function parseTargets(value) {
  if (value === undefined || value === '') return [hostTarget()];
  const list =
    value === 'all'
      ? Object.keys(TARGETS)
      : value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  for (const t of list) {
    if (!(t in TARGETS)) throw new Error(`--target: unknown target '${t}'; known: ${Object.keys(TARGETS).join(', ')}, or all`);
  }
  return list;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Builds (production, with the target's Dawn) and packages one target; returns the .vsix path and size. */
export function packageTarget(target, outDir) {
  const dawnDir = TARGETS[target];
  run(process.execPath, ['esbuild.mjs', '--production', '--webgpu', dawnDir]);
  // A development build's source maps must not ride along (.vscodeignore drops *.map anyway).
  for (const f of fs.readdirSync(path.join(ROOT, 'dist'))) if (f.endsWith('.map')) fs.rmSync(path.join(ROOT, 'dist', f));
  const out = path.join(outDir, `medssl-studio-${target}.vsix`);
  const vsce = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
  run(vsce, [
    'package',
    '--target',
    target,
    '--no-dependencies',
    '--no-rewrite-relative-links',
    '--allow-missing-repository',
    '--skip-license',
    '--out',
    out,
  ]);
  return { target, dawn: dawnDir, vsix: out, bytes: fs.statSync(out).size };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  try {
    const targets = parseTargets(opt('--target'));
    const outDir = path.resolve(opt('--out-dir') ?? ROOT);
    fs.mkdirSync(outDir, { recursive: true });
    const results = targets.map((t) => packageTarget(t, outDir));
    if (argv.includes('--json')) console.log(JSON.stringify(results));
    else
      for (const r of results)
        console.log(`${r.target}: ${path.relative(process.cwd(), r.vsix)} ${(r.bytes / 1e6).toFixed(1)} MB (Dawn: ${r.dawn})`);
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
