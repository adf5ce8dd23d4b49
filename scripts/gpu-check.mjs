// The portable GPU check's driver, run by the Node inside the archive (scripts/gpu-check.sh starts it):
//   1. the environment report (`medssl env`),
//   2. `medssl bench --backend webgpu`: the bench step on the WebGPU adapter beside wasm,
//   3. a short MoCo v2 pretraining of a ResNet-50 at 224x224 on the built-in phantom (`medssl run`),
//      with the largest batch that fits (64, else the one the refusal names, else half): images/s,
//      peak memory when the run records it, first/last loss.
// Exit 0 when all ran; 3 when no WebGPU adapter is usable, or only a software one without --quick (the
// reason is printed); 1 when a part failed.
//   ./gpu-check [--json] [--quick] [--steps N]
// --quick: a small model (ResNet-18 widths 8-16-32-64 at 64x64, batch 8, 10 steps) and a short bench,
// for a software adapter, where the ResNet-50 part would take hours.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, 'dist', 'cli.js');
export const EXIT_NO_ADAPTER = 3;

/** Options from the command line; an error naming the bad argument. */
export function parseArgs(argv) {
  const o = { json: false, quick: false, steps: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--steps') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 2) throw new Error(`--steps takes an integer of at least 2, got '${argv[i] ?? ''}'`);
      o.steps = n;
    } else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument '${a}' (use --json, --quick, --steps N)`);
  }
  o.steps ??= o.quick ? 10 : 50;
  return o;
}

/**
 * The pretraining config: MoCo v2 alone (no local loss, no whitening), phantom data sized so that
 * `steps` steps are 5 per epoch, no diagnostics or evaluation (they would time something else).
 */
export function mocoConfig({ quick, batch, steps }) {
  const perEpoch = 5;
  const trainSlices = perEpoch * batch;
  return {
    name: quick ? 'gpu-check-quick' : 'gpu-check-resnet50',
    seed: 0,
    backend: 'webgpu',
    data: {
      source: 'phantom',
      phantom: { cases: 3, slices: Math.ceil(trainSlices / 2), seed: 0 },
      size: quick ? 64 : 224,
      heldOutFraction: 0.34,
    },
    model: quick
      ? { arch: 'resnet18', widths: [8, 16, 32, 64], stem: 'small', whitening: { enabled: false } }
      : { arch: 'resnet50', whitening: { enabled: false } },
    ssl: { queueSize: 2 * batch, local: { enabled: false } },
    pretrain: { epochs: Math.ceil(steps / perEpoch), batchSize: batch, warmupEpochs: 0, checkpointEvery: 0, workers: 1 },
    diagnostics: { everyEpochs: 1000, slices: 1 },
    evaluation: { linear: { enabled: false }, finetune: { enabled: false } },
  };
}

/** Loss curve ends, images/s (median, first step left out: it compiles shaders) and peak memory from events.jsonl. */
export function summarizeEvents(lines) {
  const scalars = {};
  for (const l of lines) {
    if (!l.trim()) continue;
    let e;
    try {
      e = JSON.parse(l);
    } catch {
      continue;
    }
    if (e.type === 'scalar') (scalars[e.name] ??= []).push({ step: e.step, value: Number(e.value) });
  }
  const loss = scalars['loss/total'] ?? [];
  const ips = (scalars['images/s'] ?? [])
    .slice(1)
    .map((s) => s.value)
    .sort((a, b) => a - b);
  const memNames = Object.keys(scalars).filter((n) => /memory|bytes/i.test(n));
  const peak = memNames.length ? Math.max(...memNames.flatMap((n) => scalars[n].map((s) => s.value))) : null;
  return {
    steps: loss.length,
    loss_first: loss.length ? loss[0].value : null,
    loss_last: loss.length ? loss[loss.length - 1].value : null,
    images_per_s: ips.length ? ips[ips.length >> 1] : null,
    peak_memory_bytes: peak,
    peak_memory_source: memNames.length ? memNames.join(', ') : 'not recorded by this build (no memory scalar in events.jsonl)',
  };
}

/** Runs a `medssl` command to its end; its progress (stderr) is passed on afterwards, less Dawn's notices. */
function cli(args, { capture }) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const err = cleanErr(r.stderr);
  if (err) process.stderr.write(err + '\n');
  return r;
}

/** stderr less Dawn's harmless notices, for messages. */
function cleanErr(s) {
  return (s ?? '')
    .split('\n')
    .filter((l) => l.trim() && !/artificially reduced|XDG_RUNTIME_DIR/.test(l))
    .join('\n');
}

/**
 * The batch to try after `batch` was refused with `message`: the one the refusal names ("Batch size N
 * fits"), else half; null when the message is not about memory or nothing smaller is left.
 */
export function nextBatch(batch, message) {
  if (!/batch|memory|maxBufferSize|binding/i.test(message)) return null;
  const named = /Batch size (\d+) fits/i.exec(message);
  const next = named ? Number(named[1]) : Math.floor(batch / 2);
  return next >= 2 && next < batch ? next : null;
}

function moco(o, log) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-gpu-check-'));
  let last = '';
  for (let batch = o.quick ? 8 : 64; batch !== null;) {
    const cfg = mocoConfig({ quick: o.quick, batch, steps: o.steps });
    const file = path.join(tmp, `${cfg.name}-b${batch}.medssl.json`);
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
    log(
      `MoCo v2 pretraining: ${o.quick ? 'ResNet-18 (8-16-32-64) 64x64' : 'ResNet-50 224x224'}, batch ${batch}, ${cfg.pretrain.epochs * 5} steps`,
    );
    const t0 = Date.now();
    const r = cli(['run', file, '--runs-dir', path.join(tmp, 'runs'), '--json'], { capture: true });
    const wall = (Date.now() - t0) / 1000;
    const dir = (r.stdout ?? '')
      .split('\n')
      .map((l) => {
        try {
          return JSON.parse(l).dir;
        } catch {
          return undefined;
        }
      })
      .find(Boolean);
    const events =
      dir && fs.existsSync(path.join(dir, 'events.jsonl')) ? fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n') : [];
    const summary = summarizeEvents(events);
    if (r.status === 0)
      return {
        ok: true,
        model: o.quick ? 'resnet18 8-16-32-64' : 'resnet50',
        size: cfg.data.size,
        batch,
        wall_s: wall,
        run_dir: dir,
        ...summary,
      };
    last = cleanErr(r.stderr).split('\n').slice(-3).join(' | ') || `exit ${r.status}`;
    // A batch the device cannot hold is refused before the first step (or fails with out-of-memory).
    const next = nextBatch(batch, last);
    if (next !== null) log(`batch ${batch} does not fit: ${last}`);
    batch = next;
  }
  return { ok: false, error: last };
}

function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`gpu-check: ${e.message}`);
    return 2;
  }
  if (o.help) {
    console.log('./gpu-check [--json] [--quick] [--steps N]: environment report, webgpu bench beside wasm, MoCo pretraining on the GPU');
    return 0;
  }
  const log = (m) => console.error(`gpu-check: ${m}`);
  const report = { node: process.version, quick: o.quick };

  log('environment report');
  const envJson = cli(['env', '--json'], { capture: true });
  try {
    report.env = JSON.parse(envJson.stdout);
  } catch {
    report.env = { error: cleanErr(envJson.stderr) || 'medssl env printed no JSON' };
  }
  if (!o.json) console.log(`== Environment ==\n${cli(['env'], { capture: true }).stdout}`);
  const fail = (error) => {
    report.error = error;
    if (o.json) console.log(JSON.stringify(report));
    console.error(`gpu-check: FAILED: ${error}`);
    return EXIT_NO_ADAPTER;
  };
  const envAdapter = report.env.webgpu?.adapter;
  if (report.env.webgpu && !envAdapter) return fail(`no usable WebGPU adapter: ${report.env.webgpu.reason ?? 'Dawn found none'}`);
  if (envAdapter?.software && !o.quick) {
    return fail(
      `only a software WebGPU adapter (${envAdapter.softwareReason}): Dawn does not reach the GPU's driver here (Vulkan loader, ICD, or ` +
        'MEDSSL_DAWN_BACKEND); ./gpu-check --quick runs the check on the software adapter anyway',
    );
  }

  log('bench: webgpu beside wasm');
  const benchArgs = ['bench', '--backend', 'webgpu', '--json', ...(o.quick ? ['--batch', '2', '--steps', '1'] : [])];
  const bench = cli(benchArgs, { capture: true });
  if (bench.status !== 0) {
    const reason =
      cleanErr(bench.stderr)
        .split('\n')
        .filter((l) => /cannot run here|error/i.test(l))
        .pop() ??
      cleanErr(bench.stderr).split('\n').pop() ??
      `exit ${bench.status}`;
    return fail(`no usable WebGPU adapter: ${reason.replace(/^bench: /, '')}`);
  }
  report.bench = JSON.parse(bench.stdout);
  const b = report.bench;
  const a = b.adapter;
  if (!o.json) {
    console.log('== Bench (same model and step) ==');
    console.log(`adapter: ${a.label}${a.software ? ' — SOFTWARE adapter: ' + a.softwareReason : ''}`);
    console.log(
      `webgpu: ${b.images_per_s.toFixed(2)} images/s (batch ${b.batch}, ${b.size}x${b.size}, median step ${b.median_step_s.toFixed(3)} s)${a.software ? ' [software: not a GPU speed]' : ''}`,
    );
    if (b.peer) console.log(`wasm:   ${b.peer.images_per_s.toFixed(2)} images/s (${b.peer.name.replace(/^wasm: /, '')})`);
    console.log(b.ratio === null ? `ratio: n/a (${b.peer_reason ?? 'no wasm row'})` : `ratio webgpu / wasm: ${b.ratio.toFixed(2)}`);
    if (typeof b.gpu_buffer_bytes === 'number')
      console.log(`GPU buffer memory (bench step, tfjs pool high-water mark): ${(b.gpu_buffer_bytes / 2 ** 20).toFixed(0)} MiB`);
  }

  report.moco = moco(o, log);
  const m = report.moco;
  if (o.json) console.log(JSON.stringify(report));
  else {
    console.log('== MoCo v2 pretraining on webgpu ==');
    if (!m.ok) console.log(`FAILED: ${m.error}`);
    else {
      const mem =
        m.peak_memory_bytes === null ? m.peak_memory_source : `${(m.peak_memory_bytes / 2 ** 20).toFixed(0)} MiB (${m.peak_memory_source})`;
      console.log(`${m.model} ${m.size}x${m.size}, batch ${m.batch}, ${m.steps} steps in ${m.wall_s.toFixed(0)} s`);
      console.log(`images/s: ${m.images_per_s === null ? 'n/a' : m.images_per_s.toFixed(2)}${a.software ? ' [software adapter]' : ''}`);
      console.log(`peak memory: ${mem}`);
      console.log(`loss: first ${m.loss_first?.toFixed(4)}, last ${m.loss_last?.toFixed(4)}`);
    }
  }
  return m.ok ? 0 : 1;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) process.exitCode = main();
