// Builds the optional oneDNN addon (native/build/Release/medssl_onednn.node) at install time.
// It never fails the install: without a compiler, node-gyp or oneDNN's headers the engine runs the
// portable WebAssembly kernels, and `medssl env` says why.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const verbose = process.argv.includes('--verbose');
const require = createRequire(import.meta.url);

function skip(reason) {
  console.log(`medssl: native oneDNN kernels not built (${reason}); training uses the WebAssembly kernels.`);
  process.exit(0);
}

if (process.env.MEDSSL_NATIVE === '0') skip('MEDSSL_NATIVE=0');
if (process.platform !== 'linux' || process.arch !== 'x64')
  skip(`only linux-x64 is supported, this is ${process.platform}-${process.arch}`);
const header = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'].find((p) => fs.existsSync(p));
if (!header) skip('oneDNN headers not found: install libdnnl-dev');
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  skip('node-gyp is not installed');
}
// Node's own headers when the distribution ships them (no download needed).
const nodeDir = path.resolve(path.dirname(process.execPath), '..');
const args = [gyp, 'rebuild', '--directory', here];
if (fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodeDir}`);
const r = spawnSync(process.execPath, args, { stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (r.status !== 0) {
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
  if (tail) console.log(tail);
  skip(`node-gyp failed with status ${r.status ?? r.signal}`);
}
console.log('medssl: native oneDNN kernels built: native/build/Release/medssl_onednn.node');
