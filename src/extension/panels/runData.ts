/**
 * Reads what the panels show from run folders and shapes it into protocol messages. No `vscode` import:
 * the browser tests build the very same messages from the recorded fixture runs (test/fixtures/runs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readRun, readEvents, CONFIG_YAML } from '../../core/runs';
import type { RunEvent } from '../../core/runs';
/** diagnostics/<step>.json holds these, per layer (written by src/core/train from spectrumReport). */
import { rankMe, type SpectrumReport } from '../../core/metrics/spectrum';
import type { CollapseRun, CollapseStep, SpectrumPayload } from '../../protocol/webviews/collapse';
import type { RunLabel } from '../../protocol/webviews/common';
import type { CurvesRun, ScalarPoint, ScalarSeries } from '../../protocol/webviews/curves';
import type { OverlaysPayload } from '../../protocol/webviews/overlays';
import { differingConfig } from './configDiff';
import { seedMembership } from './seedGroups';

function readConfig(dir: string): unknown {
  try {
    return parseYaml(fs.readFileSync(path.join(dir, CONFIG_YAML), 'utf8')) as unknown;
  } catch {
    return {};
  }
}

/**
 * The panels' names for runs shown together. When the runs are of different stages (a pretraining beside
 * the `medssl evaluate` runs of its checkpoint, which share its config), the stage leads what differs.
 */
export function runLabels(dirs: string[]): RunLabel[] {
  const runs = dirs.map((d) => readRun(d));
  const configs = dirs.map(readConfig);
  const diff = dirs.length > 1 ? differingConfig(configs) : dirs.map(() => []);
  const stagesDiffer = new Set(runs.map((r) => r.stage)).size > 1;
  const seeds = dirs.length > 1 ? seedMembership(runs.map((r, i) => ({ name: r.name, stage: r.stage, config: configs[i] }))) : [];
  return runs.map((r, i) => ({
    runId: r.id,
    name: r.name,
    status: r.status,
    dir: dirs[i],
    differs: stagesDiffer ? [`stage=${r.stage}`, ...diff[i]] : diff[i],
    ...(seeds[i] ? { seedOf: seeds[i] } : {}),
  }));
}

/** Diagnostics written before RankMe was recorded lack it: it follows from the stored eigenvalues. */
function spectrum(s: SpectrumReport): SpectrumPayload {
  return {
    dim: s.dim,
    samples: s.samples,
    rankMe: s.rankMe ?? rankMe(s.eigenvalues),
    effectiveRank: s.effectiveRank,
    dims99: s.dims99,
    stdSqrtD: s.stdSqrtD,
    eigenvalues: Float64Array.from(s.eigenvalues).buffer,
  };
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

/**
 * The per-layer spectra of a diagnostics file, in the file's (network) order, the representation and the
 * embedding always among them; a layer entry without eigenvalues (a foreign or damaged file) is left out.
 */
function layerSpectra(
  layers: Record<string, SpectrumReport> | undefined,
  representation: SpectrumPayload,
  embedding: SpectrumPayload,
): Record<string, SpectrumPayload> {
  const out: Record<string, SpectrumPayload> = {};
  if (layers && typeof layers === 'object')
    for (const [name, s] of Object.entries(layers)) if (Array.isArray(s?.eigenvalues)) out[name] = spectrum(s);
  // the top-level pair is what every reader shows; the same objects, so the two never disagree
  out.representation = representation;
  out.embedding = embedding;
  return out;
}

export function readCollapseStep(file: string): CollapseStep | undefined {
  try {
    const d = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      step: number;
      epoch: number;
      representation: SpectrumReport;
      embedding: SpectrumReport;
      layers?: Record<string, SpectrumReport>;
      alignment: number;
      uniformity: number;
      top1: number;
    };
    if (!Array.isArray(d.representation?.eigenvalues) || !Array.isArray(d.embedding?.eigenvalues)) return undefined;
    const representation = spectrum(d.representation);
    const embedding = spectrum(d.embedding);
    return {
      step: d.step,
      epoch: d.epoch,
      representation,
      embedding,
      layers: layerSpectra(d.layers, representation, embedding),
      alignment: d.alignment,
      uniformity: d.uniformity,
      top1: d.top1,
    };
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

/** The evaluations that wrote overlays (overlays/<tag>/index.json). */
export function overlayTags(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, 'overlays')).filter((t) => fs.existsSync(path.join(dir, 'overlays', t, 'index.json')));
  } catch {
    return [];
  }
}

/** overlays/<tag>/ of a run with the case Dice of metrics.json; errors name the file. */
export function readOverlays(dir: string, tag?: string): OverlaysPayload {
  // `medssl predict` writes <out>/overlays/<tag>/ with no run folder around it: that folder is opened itself.
  const own = !fs.existsSync(path.join(dir, 'run.json')) && fs.existsSync(path.join(dir, 'index.json'));
  const tags = own ? [path.basename(dir)] : overlayTags(dir);
  const t = tag ?? tags[0];
  if (!t) throw new Error(`${path.join(dir, 'overlays')}: no overlays yet (they are written by an evaluation: linear or finetune)`);
  const odir = own ? dir : path.join(dir, 'overlays', t);
  const index = JSON.parse(fs.readFileSync(path.join(odir, 'index.json'), 'utf8')) as {
    groundTruth?: boolean;
    prediction?: { runName: string; runId: string; kind: string };
    caseDice?: OverlaysPayload['caseDice'];
    format: string;
    width: number;
    height: number;
    classNames: string[];
    dataFile: string;
    slices: { caseId: string; z: number; offset: number; dice: Array<number | null>; meanForeground: number | null; worstFor: number[] }[];
    worstSlicePerClass: number[];
  };
  if (index.format !== 'medssl-overlays')
    throw new Error(`${path.join(odir, 'index.json')}: not a medssl overlays index (format '${index.format}')`);
  const bin = fs.readFileSync(path.join(odir, index.dataFile));
  const plane = index.width * index.height;
  // Repack by slice order so the panel can index slice i at i × 3 planes.
  const data = new Uint8Array(index.slices.length * 3 * plane);
  index.slices.forEach((s, i) => {
    if (s.offset + 3 * plane > bin.length)
      throw new Error(`${path.join(odir, index.dataFile)}: shorter than index.json says (slice ${s.caseId}/${s.z})`);
    data.set(bin.subarray(s.offset, s.offset + 3 * plane), i * 3 * plane);
  });
  let caseDice: OverlaysPayload['caseDice'] = [];
  if (own) caseDice = index.caseDice ?? [];
  else
    try {
      const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<
        string,
        { cases?: { caseId: string; perClass: Array<number | null>; meanForeground: number | null }[] }
      >;
      caseDice = (metrics[t]?.cases ?? []).map((c) => ({ caseId: c.caseId, perClass: c.perClass, meanForeground: c.meanForeground }));
    } catch {
      /* metrics.json is written at the end: slice Dice only until then */
    }
  const run = own
    ? { runId: index.prediction?.runId ?? t, name: index.prediction?.runName ?? 'prediction', status: 'completed', dir, differs: [] }
    : runLabels([dir])[0];
  return {
    run,
    tag: own ? `${index.prediction?.kind ?? 'model'} prediction` : t,
    ...(index.groundTruth === false ? { groundTruth: false } : {}),
    width: index.width,
    height: index.height,
    classNames: index.classNames,
    slices: index.slices.map((s) => ({ caseId: s.caseId, z: s.z, dice: s.dice, meanForeground: s.meanForeground, worstFor: s.worstFor })),
    worstSlicePerClass: index.worstSlicePerClass,
    caseDice,
    data: data.buffer,
  };
}
