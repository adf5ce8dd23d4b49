import { runBench, type BenchResult } from '../../core/bench/trainStepBench';
import { EXIT } from '../errors';

export interface BenchArgs {
  json: boolean;
  profile: boolean;
  steps?: number;
  batch?: number;
  peer: boolean;
}

/** `medssl bench [--json] [--profile]`: progress on stderr, the result (or table) on stdout. */
export async function benchCommand(args: BenchArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
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
    `| ours: ${r.backend} — ${r.mode} | ${r.threads} | ${f(r.images_per_s)} | ${r.median_step_s.toFixed(3)} |`,
  ];
  if (r.peer) lines.push(`| ${r.peer.name} | ${r.peer.threads} | ${f(r.peer.images_per_s)} | ${(r.batch / r.peer.images_per_s).toFixed(3)} |`);
  lines.push('');
  lines.push(r.ratio === null ? `ratio: n/a — no peer (${r.peer_reason ?? 'unknown'})` : `ratio (ours / peer): ${r.ratio.toFixed(2)}`);
  if (r.data) {
    const d = r.data;
    lines.push(`data: ${f(d.slices_per_s)} slices/s prepared (read + window + resize to ${d.size}x${d.size} + two views, cold cache, one thread; ${f(d.warm_slices_per_s)} cached) vs ${f(r.images_per_s)} images/s consumed by the training step: ` +
      (d.ratio_to_training === null ? 'ratio n/a' : `${d.ratio_to_training.toFixed(1)}x${d.ratio_to_training < 5 ? ' (below the 5x goal: data can slow training)' : ''}`) + ` [${d.source}]`);
  }
  if (r.profile?.length) {
    lines.push('', 'Where the time goes (worker 0, per measured step):', '| kernel | ms/step | calls/step | share |', '|---|---|---|---|');
    for (const p of r.profile) lines.push(`| ${p.kernel} | ${p.ms_per_step.toFixed(1)} | ${p.calls_per_step.toFixed(0)} | ${(100 * p.share).toFixed(1)}% |`);
  }
  return lines.join('\n');
}
