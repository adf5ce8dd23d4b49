/**
 * Reads what `medssl inspect --json` printed into the summary the New Experiment wizard writes into the
 * config's header (no `vscode` import: unit-tested in plain Node).
 */
import type { InspectReport } from '../../protocol/workerStdout';

/** Problems listed in the header; the rest are counted. */
export const SHOWN_PROBLEMS = 10;

export type InspectSummary =
  /** The report was read: the header line(s), and how many problems it named. */
  | { ok: true; line: string; problems: number }
  /** No report on stdout: the last line of stderr says why. */
  | { ok: false; reason: string };

export function summarizeInspect(dataFolder: string, stdout: string, stderr: string): InspectSummary {
  let rep: Pick<InspectReport, 'layout' | 'caseCount' | 'labelled' | 'problems'>;
  try {
    rep = JSON.parse(stdout.trim().split('\n').pop() ?? '') as InspectReport;
    if (typeof rep !== 'object' || rep === null || !Array.isArray(rep.problems)) throw new Error('not an inspect report');
  } catch {
    return { ok: false, reason: stderr.trim().split('\n').pop() ?? '' };
  }
  const shown = rep.problems.slice(0, SHOWN_PROBLEMS).map((p) => `\n  problem: ${p.file ? `${p.file}: ` : ''}${p.message ?? ''}`);
  const more = rep.problems.length > shown.length ? `\n  … ${rep.problems.length - shown.length} more (medssl inspect ${dataFolder})` : '';
  const line = `inspect: ${rep.caseCount} cases, layout ${rep.layout}, ${rep.labelled ? 'labelled' : 'no labels'}, ${rep.problems.length} problem(s)${shown.join('')}${more}`;
  return { ok: true, line, problems: rep.problems.length };
}
