import { runBench, type BenchResult } from '../../core/bench/trainStepBench';
import { runWebGPUBench } from '../../core/bench/webgpuBench';
import { EXIT, UsageError } from '../errors';

export const BENCH_BACKENDS = ['wasm', 'webgpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

export interface BenchArgs {
  json: boolean;
  profile: boolean;
  steps?: number;
  batch?: number;
  peer: boolean;
  /** wasm (default): beside PyTorch on the CPU; webgpu: beside wasm, on the adapter Dawn picks. */
  backend?: string;
}

/**
 * `medssl bench [--backend wasm|webgpu] [--json] [--profile]`: progress on stderr, the result (or table)
 * on stdout. With webgpu and no usable adapter: the reason on stderr, exit 1.
 */
export async function benchCommand(args: BenchArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const backend = args.backend ?? 'wasm';
  if (!(BENCH_BACKENDS as readonly string[]).includes(backend))
    throw new UsageError(`bench: --backend takes ${BENCH_BACKENDS.join(' or ')}, got '${backend}'`);
  if (backend === 'webgpu') {
    if (args.profile) throw new UsageError('bench: --profile times wasm kernels; it does not apply to --backend webgpu');
    let r: BenchResult;
    try {
      r = await runWebGPUBench({ steps: args.steps, batch: args.batch, peer: args.peer, onProgress: (m) => err(`bench: ${m}`) });
    } catch (e) {
      err(`bench: webgpu cannot run here: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT.failed;
    }
    out(args.json ? JSON.stringify(r) : formatBench(r));
    return EXIT.ok;
  }
  const result = await runBench({
    steps: args.steps,
    batch: args.batch,
    profile: args.profile,
    torch: args.peer,
    onProgress: (m) => err(`bench: ${m}`),
  });
  out(args.json ? JSON.stringify(result) : formatBench(result));
  return EXIT.ok;
}

export function formatBench(r: BenchResult): string {
  const f = (x: number): string => x.toFixed(1);
  const lines = [
    `Training step: ResNet-18-shaped encoder ${r.widths.join('-')}, 1x${r.size}x${r.size}, batch ${r.batch} (forward, backward, SGD momentum)`,
    '',
    '| engine | threads | images/s | median step (s) |',
    '|---|---|---|---|',
    `| ours: ${r.backend} — ${r.mode}${r.adapter?.software ? ' (SOFTWARE adapter: not a GPU speed)' : ''} | ${r.adapter ? 'GPU' : r.threads} | ${f(r.images_per_s)} | ${r.median_step_s.toFixed(3)} |`,
  ];
  if (r.peer)
    lines.push(`| ${r.peer.name} | ${r.peer.threads} | ${f(r.peer.images_per_s)} | ${(r.batch / r.peer.images_per_s).toFixed(3)} |`);
  lines.push('');
  if (r.adapter) lines.push(`adapter: ${r.adapter.label}${r.adapter.software ? ` — ${r.adapter.softwareReason}` : ''}`);
  const held = (r as { gpu_buffer_bytes?: number | null }).gpu_buffer_bytes;
  if (typeof held === 'number')
    lines.push(`GPU buffer memory held by tfjs after the steps (its pool's high-water mark): ${(held / 2 ** 20).toFixed(0)} MiB`);
  lines.push(
    r.ratio === null
      ? `ratio: n/a — ${r.adapter?.software ? r.peer_reason : `no peer (${r.peer_reason ?? 'unknown'})`}`
      : `ratio (ours / peer): ${r.ratio.toFixed(2)}`,
  );
  if (r.data) {
    const d = r.data;
    lines.push(
      `data: ${f(d.slices_per_s)} slices/s prepared (read + window + resize to ${d.size}x${d.size} + two views, cold cache, one thread; ${f(d.warm_slices_per_s)} cached) vs ${f(r.images_per_s)} images/s consumed by the training step: ` +
        (d.ratio_to_training === null
          ? 'ratio n/a'
          : `${d.ratio_to_training.toFixed(1)}x${d.ratio_to_training < 5 ? ' (below the 5x goal: data can slow training)' : ''}`) +
        ` [${d.source}]`,
    );
  }
  if (r.profile?.length) {
    lines.push('', 'Where the time goes (worker 0, per measured step):', '| kernel | ms/step | calls/step | share |', '|---|---|---|---|');
    for (const p of r.profile)
      lines.push(`| ${p.kernel} | ${p.ms_per_step.toFixed(1)} | ${p.calls_per_step.toFixed(0)} | ${(100 * p.share).toFixed(1)}% |`);
  }
  return lines.join('\n');
}
