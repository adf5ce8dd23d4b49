/**
 * `medssl report <runDir>... [--json] [--html FILE]`: the summary table of runs (the ablation's columns:
 * mean Dice of the linear evaluation and of the fine-tuning, effective rank of the representation) as
 * Markdown (default) or JSON; optionally the self-contained HTML report too.
 */
import * as path from 'node:path';
import { htmlReport } from '../../core/report/html';
import { reportJson, reportMarkdown, summarizeRun, type RunSummary } from '../../core/report/summary';
import { writeFileAtomic } from '../../core/runs/atomic';
import { EXIT } from '../errors';

export interface ReportArgs {
  runDirs: string[];
  json: boolean;
  html?: string;
}

export async function reportCommand(args: ReportArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const rows: RunSummary[] = [];
  let bad = false;
  for (const d of args.runDirs) {
    try {
      rows.push(summarizeRun(path.resolve(d)));
    } catch (e) {
      err(`medssl report: ${(e as Error).message}`);
      bad = true;
    }
  }
  if (bad) return EXIT.badInput;
  out(args.json ? reportJson(rows) : reportMarkdown(rows));
  if (args.html) {
    writeFileAtomic(path.resolve(args.html), htmlReport(rows, { title: 'MedSSL Studio report' }));
    err(`medssl report: HTML written to ${path.resolve(args.html)}`);
  }
  return EXIT.ok;
}
