/**
 * `medssl report <runDir>... [--json] [--html FILE]`: the summary table of runs (the ablation's columns:
 * mean Dice of the linear evaluation and of the fine-tuning, effective rank of the representation) as
 * Markdown (default) or JSON; optionally the self-contained HTML report too. Runs of one variant over
 * several seeds (<name>-<variant>-seed<N>) add the aggregated table: mean ± sd over seeds and the paired
 * difference against the first variant with its 95% bootstrap interval. With --html, the Dice-per-class
 * chart is also written as a PNG beside the HTML (<stem>-dice-per-class.png), for papers.
 */
import * as path from 'node:path';
import { aggregateMarkdown, aggregateSeeds, hasSeedGroups, seedRunOf } from '../../core/report/aggregate';
import { dicePerClassPng } from '../../core/report/charts/fromRuns';
import { htmlReport } from '../../core/report/html';
import { reportJson, reportMarkdown, summarizeRun, type RunSummary } from '../../core/report/summary';
import { writeFileAtomic } from '../../core/runs/atomic';
import { isNoSpace } from '../../core/runs/diskFull';
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
  const aggregate = hasSeedGroups(rows) ? aggregateSeeds(rows.map(seedRunOf)) : null;
  if (args.json) out(aggregate ? JSON.stringify({ ...(JSON.parse(reportJson(rows)) as object), aggregate }, null, 2) : reportJson(rows));
  else out(aggregate ? `${reportMarkdown(rows)}\n\n${aggregateMarkdown(aggregate)}` : reportMarkdown(rows));
  if (args.html) {
    const file = path.resolve(args.html);
    const png = dicePerClassPng(rows);
    const pngFile = dicePngPath(file);
    try {
      writeFileAtomic(file, htmlReport(rows, { title: 'MedSSL Studio report', dicePng: png ? path.basename(pngFile) : undefined }));
    } catch (e) {
      // The atomic write's temporary name is an implementation detail: name the file that was asked for.
      err(`medssl report: --html ${file}: ${writeErrorReason(e)}`);
      return EXIT.badInput;
    }
    err(`medssl report: HTML written to ${file}`);
    if (png) {
      try {
        writeFileAtomic(pngFile, png);
      } catch (e) {
        err(`medssl report: ${pngFile}: ${writeErrorReason(e)}`);
        return EXIT.badInput;
      }
      err(`medssl report: Dice-per-class chart written to ${pngFile}`);
    } else err('medssl report: no Dice per class in these runs (no linear evaluation): no PNG chart written');
  }
  return EXIT.ok;
}

/** The PNG beside the HTML, named after it so two reports in one folder keep their own charts: report.html → report-dice-per-class.png. */
export function dicePngPath(htmlFile: string): string {
  const stem = path.basename(htmlFile).replace(/\.html?$/i, '');
  return path.join(path.dirname(htmlFile), `${stem}-dice-per-class.png`);
}

function writeErrorReason(e: unknown): string {
  if (isNoSpace(e)) return 'disk full';
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'ENOTDIR') return 'a file is in the way of its folder';
  if (code === 'EISDIR') return 'is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return code ?? (e as Error).message;
}
