import { formatProblem } from '../../core/data/errors';
import { inspectDataset, type InspectReport } from '../../core/data/inspect';
import { EXIT } from '../errors';

/**
 * `medssl inspect <path> [--json]`: what was found (layout, cases, shape, spacing, orientation,
 * intensity range, label values and names) and every problem at once. Exit 0 when clean, 2 when
 * there are problems (each names the case and file) or the path cannot be read (docs/EXIT-CODES.md:
 * no run is involved, so nothing here is a "failed run").
 */
export async function inspectCommand(
  args: { path: string; json: boolean },
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let report: InspectReport;
  try {
    report = await inspectDataset(args.path);
  } catch (e) {
    err(`medssl inspect: ${args.path}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  if (args.json) out(JSON.stringify(report));
  else out(formatInspectReport(report));
  if (report.problems.length > 0) {
    if (!args.json) {
      err(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${report.root}:`);
      for (const p of report.problems) err(`  ${formatProblem(p)}`);
    }
    return EXIT.badInput;
  }
  return EXIT.ok;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 1 : 3));

export function formatInspectReport(r: InspectReport): string {
  const lines: string[] = [];
  lines.push(`${r.root}`);
  lines.push(
    `  layout: ${r.layout} (${r.unit === 'volume' ? 'volumes' : 'PNG slices'}), ${r.caseCount} case${r.caseCount === 1 ? '' : 's'}, ${r.labelled ? 'labelled' : 'unlabelled'}`,
  );
  if (r.summary.shapes.length) lines.push(`  shapes: ${r.summary.shapes.join(', ')}`);
  if (r.summary.spacingMin && r.summary.spacingMax) {
    lines.push(`  spacing (mm): ${r.summary.spacingMin.map(fmt).join(' × ')} … ${r.summary.spacingMax.map(fmt).join(' × ')}`);
  }
  if (r.summary.intensityMin !== null && r.summary.intensityMax !== null)
    lines.push(`  intensity: ${fmt(r.summary.intensityMin)} … ${fmt(r.summary.intensityMax)}`);
  if (r.labelled) {
    const names = r.labelNames;
    lines.push(
      `  label values: ${r.summary.labelValues.map((v) => (names && names[v] !== undefined ? `${v} ${names[v]}` : String(v))).join(', ') || '(none read)'}`,
    );
  }
  lines.push('  cases:');
  for (const c of r.cases) {
    const parts = [`${c.shape.join('×')}`];
    if (c.spacing) parts.push(`${c.spacing.map(fmt).join('×')} mm`);
    if (c.orientation) parts.push(c.orientation);
    parts.push(`[${fmt(c.intensity.min)}, ${fmt(c.intensity.max)}]`);
    if (c.labelValues) parts.push(`labels {${c.labelValues.join(',')}}`);
    lines.push(`    ${c.ok ? ' ' : '!'} ${c.id}: ${parts.join('  ')}`);
  }
  lines.push(r.problems.length ? `  ${r.problems.length} problem(s), listed below` : '  no problems found');
  return lines.join('\n');
}
