/**
 * Reads what the panels show from run folders and shapes it into protocol messages. No `vscode` import:
 * the browser tests build the very same messages from the recorded fixture runs (test/fixtures/runs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readRun, readEvents, CONFIG_YAML } from '../../core/runs';
import type { RunEvent } from '../../core/runs';
import type { CurvesRun, ScalarPoint, ScalarSeries, CollapseRun, CollapseStep, RunLabel, SpectrumPayload } from '../../protocol/messages';

/** `a.b.c=value` for every leaf of a config object. */
export function flattenConfig(v: unknown, prefix = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, c] of Object.entries(v as Record<string, unknown>)) flattenConfig(c, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(v));
  }
  return out;
}

/** The config values in which each run differs from the others (name and seed-free keys first, as written). */
export function differingConfig(configs: unknown[]): string[][] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = new Set<string>();
  for (const f of flat) for (const k of f.keys()) keys.add(k);
  const differing = [...keys].filter((k) => k !== 'name' && new Set(flat.map((f) => f.get(k) ?? 'undefined')).size > 1);
  return flat.map((f) => differing.map((k) => `${k}=${f.get(k) ?? '(unset)'}`));
}

function readConfig(dir: string): unknown {
  try {
    return parseYaml(fs.readFileSync(path.join(dir, CONFIG_YAML), 'utf8')) as unknown;
  } catch {
    return {};
  }
}

export function runLabels(dirs: string[]): RunLabel[] {
  const runs = dirs.map((d) => readRun(d));
  const diff = dirs.length > 1 ? differingConfig(dirs.map(readConfig)) : dirs.map(() => []);
  return runs.map((r, i) => ({ runId: r.id, name: r.name, status: r.status, dir: dirs[i], differs: diff[i] }));
}

interface SpectrumJson {
  eigenvalues: number[];
  effectiveRank: number;
  dims99: number;
  stdSqrtD: number;
  dim: number;
  samples: number;
}

function spectrum(s: SpectrumJson): SpectrumPayload {
  return { dim: s.dim, samples: s.samples, effectiveRank: s.effectiveRank, dims99: s.dims99, stdSqrtD: s.stdSqrtD, eigenvalues: Float64Array.from(s.eigenvalues).buffer };
}

/** diagnostics/<step>.json of a run, by step; a half-written or foreign file is skipped. */
export function readCollapseSteps(dir: string): CollapseStep[] {
  const ddir = path.join(dir, 'diagnostics');
  let names: string[] = [];
  try {
    names = fs.readdirSync(ddir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const steps: CollapseStep[] = [];
  for (const f of names) {
    const s = readCollapseStep(path.join(ddir, f));
    if (s) steps.push(s);
  }
  return steps.sort((a, b) => a.step - b.step);
}

export function readCollapseStep(file: string): CollapseStep | undefined {
  try {
    const d = JSON.parse(fs.readFileSync(file, 'utf8')) as { step: number; epoch: number; representation: SpectrumJson; embedding: SpectrumJson; alignment: number; uniformity: number; top1: number };
    if (!Array.isArray(d.representation?.eigenvalues) || !Array.isArray(d.embedding?.eigenvalues)) return undefined;
    return { step: d.step, epoch: d.epoch, representation: spectrum(d.representation), embedding: spectrum(d.embedding), alignment: d.alignment, uniformity: d.uniformity, top1: d.top1 };
  } catch {
    return undefined;
  }
}

export function collapseRuns(dirs: string[]): CollapseRun[] {
  const labels = runLabels(dirs);
  return dirs.map((d, i) => ({ ...labels[i], steps: readCollapseSteps(d) }));
}

/** Scalar events as points (the newest value wins when a step repeats, e.g. after a resume). */
export function scalarPoints(events: RunEvent[]): ScalarPoint[] {
  const out: ScalarPoint[] = [];
  for (const e of events) if (e.type === 'scalar') out.push({ name: e.name, step: e.step, value: e.value });
  return out;
}

export function toSeries(points: ScalarPoint[]): ScalarSeries[] {
  const by = new Map<string, Map<number, number>>();
  for (const p of points) {
    let m = by.get(p.name);
    if (!m) by.set(p.name, (m = new Map()));
    m.set(p.step, p.value);
  }
  return [...by.entries()].map(([name, m]) => {
    const steps = [...m.keys()].sort((a, b) => a - b);
    return { name, steps: Float64Array.from(steps).buffer, values: Float64Array.from(steps, (s) => m.get(s) ?? NaN).buffer };
  });
}

/** Every run's scalars, and the byte offset of events.jsonl to tail from. */
export function curvesRuns(dirs: string[]): { runs: CurvesRun[]; nextBytes: number[] } {
  const labels = runLabels(dirs);
  const nextBytes: number[] = [];
  const runs = dirs.map((d, i) => {
    const chunk = readEvents(d, 0);
    nextBytes.push(chunk.nextByte);
    let totalSteps: number | undefined;
    for (const e of chunk.events) if (e.type === 'progress') totalSteps = e.totalSteps;
    return { ...labels[i], series: toSeries(scalarPoints(chunk.events)), totalSteps };
  });
  return { runs, nextBytes };
}
