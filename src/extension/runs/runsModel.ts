/**
 * What the Runs view shows for each run folder, read incrementally (events.jsonl from the last byte read):
 * status, key metric, progress, timings. No `vscode` import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitSeed } from '../../core/report/aggregate';
import { EVENTS_JSONL, listRuns, readEvents, runLiveness, type RunJson, type RunStatus } from '../../core/runs';

export interface RunSummary {
  dir: string;
  id: string;
  run?: RunJson;
  error?: string;
  /** Status as shown: a 'running' run whose process is gone reads 'stale'. */
  shownStatus: RunStatus | 'stale' | 'broken';
  /** Last value of each scalar. */
  last: Record<string, number>;
  progress?: { step: number; totalSteps: number; etaSec: number; imagesPerSec: number };
  lastStep: number;
}

interface Cache {
  size: number;
  nextByte: number;
  last: Record<string, number>;
  progress?: RunSummary['progress'];
  lastStep: number;
}

export class RunsModel {
  private readonly cache = new Map<string, Cache>();

  /** Every run folder in `runsDir`, newest first. */
  read(runsDir: string): RunSummary[] {
    const out: RunSummary[] = [];
    for (const r of listRuns(runsDir)) {
      const s: RunSummary = { dir: r.dir, id: r.id, run: r.run, error: r.error, shownStatus: 'broken', last: {}, lastStep: 0 };
      if (r.run) {
        s.shownStatus = r.run.status === 'running' && runLiveness(r.run) === 'dead' ? 'stale' : r.run.status;
        const c = this.events(r.dir);
        s.last = c.last;
        s.progress = c.progress;
        s.lastStep = c.lastStep;
      }
      out.push(s);
    }
    return out;
  }

  private events(dir: string): Cache {
    let size = 0;
    try {
      size = fs.statSync(path.join(dir, EVENTS_JSONL)).size;
    } catch {
      /* none yet */
    }
    let c = this.cache.get(dir);
    if (!c || size < c.size) c = { size: 0, nextByte: 0, last: {}, lastStep: 0 };
    if (size !== c.size) {
      const chunk = readEvents(dir, c.nextByte);
      for (const e of chunk.events) {
        if (e.type === 'scalar' && Number.isFinite(e.value)) c.last[e.name] = e.value;
        if (e.type === 'progress') c.progress = { step: e.step, totalSteps: e.totalSteps, etaSec: e.etaSec, imagesPerSec: e.imagesPerSec };
        if (typeof e.step === 'number') c.lastStep = Math.max(c.lastStep, e.step);
      }
      c.nextByte = chunk.nextByte;
      c.size = size;
    }
    this.cache.set(dir, c);
    return c;
  }
}

/** The one number shown beside a run: Dice after an evaluation, else the last total loss. */
export function keyMetric(s: RunSummary): string | undefined {
  for (const k of ['finetune/dice/meanForeground', 'linear/dice/meanForeground']) {
    if (s.last[k] !== undefined) return `Dice ${s.last[k].toFixed(3)}`;
  }
  if (s.last['loss/total'] !== undefined) return `loss ${s.last['loss/total'].toFixed(3)}`;
  return undefined;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/** The Runs view's group of a run: its config name, the seed suffix left out (<name>-<variant>-seed<N> is one variant's seed). */
export function configGroupOf(r: RunSummary): string {
  return r.run ? splitSeed(r.run.name).variant : '(unreadable)';
}

/** The seed of a run named <name>-<variant>-seed<N> (`seeds:` in a config); undefined for other names. */
export function seedOfRun(r: RunSummary): number | undefined {
  return r.run ? (splitSeed(r.run.name).seed ?? undefined) : undefined;
}

/** Groups runs by config name (run.json name; a variant's seeds together), groups in order of their newest run. */
export function groupByConfig(runs: RunSummary[]): Map<string, RunSummary[]> {
  const groups = new Map<string, RunSummary[]>();
  for (const r of runs) {
    const name = configGroupOf(r);
    const list = groups.get(name) ?? [];
    list.push(r);
    groups.set(name, list);
  }
  return groups;
}
