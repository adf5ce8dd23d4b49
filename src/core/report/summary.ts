/**
 * The summary of run folders (`medssl report <runDir>...`): one row per run with the ablation's
 * columns (METHOD.md): mean Dice of the linear evaluation, of the fine-tuning, and the effective rank of
 * the representation (newest diagnostics/<step>.json): RankMe first, the eigenvalue form labelled beside
 * it; as Markdown and JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { readEvents, readRun } from '../runs/reader';
import type { RunEvent, RunJson } from '../runs/types';
import { rankMe } from '../metrics/spectrum';

export interface RunSummary {
  dir: string;
  id: string;
  name: string;
  status: RunJson['status'];
  /** Local loss and whitening switches of the run's config (the ablation's two switches). */
  local: boolean | null;
  whitening: string | null;
  linearDice: number | null;
  finetuneDice: number | null;
  /** RankMe of the pooled representation (and of the embedding), newest diagnostics: the headline. */
  rankMe: number | null;
  embeddingRankMe: number | null;
  /** Effective rank in the eigenvalue form (lower than RankMe), same diagnostics. */
  effectiveRank: number | null;
  embeddingEffectiveRank: number | null;
  dims99: number | null;
  diagnosticsStep: number | null;
  heldOutCases: number | null;
  seconds: number | null;
}

interface MetricsFile {
  linear?: {
    summary: { meanForeground: number | null; perClass?: Array<{ mean: number | null }> };
    heldOutCases: string[];
    classNames?: string[];
    cases?: Array<{ caseId: string; meanForeground: number | null }>;
  };
  finetune?: { summary: { meanForeground: number | null }; heldOutCases: string[] };
}

export interface DiagnosticsFile {
  step: number;
  representation: DiagnosticsSpectrum;
  embedding: DiagnosticsSpectrum;
}

/** `rankMe` is absent from diagnostics written before it was recorded (it follows from the eigenvalues). */
interface DiagnosticsSpectrum {
  eigenvalues: number[];
  rankMe?: number;
  effectiveRank: number;
  dims99: number;
}

/** RankMe of a stored spectrum, derived from its eigenvalues when the file predates the field. */
export function spectrumRankMe(s: DiagnosticsSpectrum): number {
  return s.rankMe ?? rankMe(s.eigenvalues);
}

/** The newest diagnostics/<step>.json of a run, or null. */
export function latestDiagnostics(dir: string): DiagnosticsFile | null {
  const d = path.join(dir, 'diagnostics');
  let steps: number[] = [];
  try {
    steps = fs
      .readdirSync(d)
      .map((f) => /^(\d+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => Number(m[1]));
  } catch {
    return null;
  }
  if (!steps.length) return null;
  const s = Math.max(...steps);
  return JSON.parse(fs.readFileSync(path.join(d, `${s}.json`), 'utf8')) as DiagnosticsFile;
}

export function readMetrics(dir: string): MetricsFile | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as MetricsFile;
  } catch {
    return null;
  }
}

/** Summary row of one run folder (errors name the folder). */
export function summarizeRun(dir: string): RunSummary {
  const run = readRun(dir);
  const m = readMetrics(dir);
  const d = latestDiagnostics(dir);
  let local: boolean | null = null;
  let whitening: string | null = null;
  try {
    const c = parse(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')) as {
      ssl?: { local?: { enabled?: boolean } };
      model?: { whitening?: { enabled?: boolean; method?: string } };
    };
    local = c.ssl?.local?.enabled ?? null;
    const w = c.model?.whitening;
    whitening = w ? (w.enabled ? (w.method ?? 'on') : 'off') : null;
  } catch {
    /* no config.yaml */
  }
  const secs = run.ended ? (Date.parse(run.ended) - Date.parse(run.started)) / 1000 : null;
  return {
    dir,
    id: run.id,
    name: run.name,
    status: run.status,
    local,
    whitening,
    linearDice: m?.linear?.summary.meanForeground ?? null,
    finetuneDice: m?.finetune?.summary.meanForeground ?? null,
    rankMe: d ? spectrumRankMe(d.representation) : null,
    embeddingRankMe: d ? spectrumRankMe(d.embedding) : null,
    effectiveRank: d?.representation.effectiveRank ?? null,
    embeddingEffectiveRank: d?.embedding.effectiveRank ?? null,
    dims99: d?.representation.dims99 ?? null,
    diagnosticsStep: d?.step ?? null,
    heldOutCases: m?.linear?.heldOutCases.length ?? m?.finetune?.heldOutCases.length ?? null,
    seconds: secs,
  };
}

const fmt = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** The table as Markdown (the ablation's columns). */
export function reportMarkdown(rows: readonly RunSummary[]): string {
  const head =
    '| run | local loss | whitening | mean Dice (linear) | mean Dice (fine-tune) | RankMe (repr.) | eff. rank, eigenvalue form (repr.) | dims 99% | status |';
  const sep = '|---|---|---|---:|---:|---:|---:|---:|---|';
  const body = rows.map(
    (r) =>
      `| ${r.name} | ${r.local === null ? '–' : r.local ? 'on' : 'off'} | ${r.whitening ?? '–'} | ${fmt(r.linearDice)} | ${fmt(r.finetuneDice)} | ${fmt(r.rankMe, 2)} | ${fmt(r.effectiveRank, 2)} | ${r.dims99 ?? '–'} | ${r.status} |`,
  );
  return [head, sep, ...body].join('\n');
}

export function reportJson(rows: readonly RunSummary[]): string {
  return JSON.stringify({ format: 'medssl-report', version: 1, runs: rows }, null, 2);
}

/** Scalar series of a run's events.jsonl: name → [[step, value]]. */
export function scalarSeries(dir: string, names?: readonly string[]): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  const { events } = readEvents(dir);
  for (const e of events as RunEvent[]) {
    if (e.type !== 'scalar') continue;
    if (names && !names.includes(e.name)) continue;
    const a = out.get(e.name) ?? [];
    a.push([e.step, e.value]);
    out.set(e.name, a);
  }
  return out;
}
