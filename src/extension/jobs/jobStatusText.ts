/** What the status bar item says about the jobs (no `vscode` import: unit-tested in plain Node). */
import { formatDuration } from '../runs/runsModel';
import type { Job } from './jobManager';

/** Text and tooltip for the active jobs, or undefined when there is none (the item hides). */
export function jobStatusText(active: readonly Pick<Job, 'state' | 'spec' | 'progress'>[]): { text: string; tooltip: string } | undefined {
  if (!active.length) return undefined;
  const running = active.filter((j) => j.state === 'running');
  const queued = active.length - running.length;
  const j = running[0];
  const p = j?.progress;
  const pct = p && p.totalSteps ? Math.floor((100 * p.step) / p.totalSteps) : undefined;
  const text = `$(sync~spin) MedSSL ${j ? j.spec.label : ''}${pct !== undefined ? ` ${pct}% · ETA ${formatDuration(p!.etaSec)}` : ''}${running.length > 1 ? ` (+${running.length - 1})` : ''}${queued ? ` · ${queued} queued` : ''}`;
  const tooltip = active
    .map(
      (x) =>
        `${x.spec.label}: ${x.state}${x.progress ? ` step ${x.progress.step}/${x.progress.totalSteps}, ${x.progress.imagesPerSec.toFixed(1)} img/s` : ''}`,
    )
    .join('\n');
  return { text, tooltip };
}
