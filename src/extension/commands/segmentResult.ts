/**
 * What MedSSL: Segment with… needs without `vscode` (unit-tested): the saved models of a run folder as
 * its model.json files say, the worker's arguments, and its answer (one JSON object, or one error line).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What models/<kind>/model.json says (read as JSON: the core's reader would load TensorFlow here). */
export interface SavedModelChoice {
  dir: string;
  name: string;
  kind: 'finetune' | 'linear';
  meanForegroundDice: number | null;
  numClasses: number;
}

export function savedModelsOf(runDir: string, name: string): SavedModelChoice[] {
  const out: SavedModelChoice[] = [];
  for (const kind of ['finetune', 'linear'] as const) {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(runDir, 'models', kind, 'model.json'), 'utf8')) as {
        format?: string;
        meanForegroundDice?: number | null;
        numClasses?: number;
      };
      if (m.format === 'medssl-segmentation-model')
        out.push({ dir: runDir, name, kind, meanForegroundDice: m.meanForegroundDice ?? null, numClasses: m.numClasses ?? 0 });
    } catch {
      /* no saved model of this kind */
    }
  }
  return out;
}

export interface SegmentOutcome {
  ok: boolean;
  reason?: string;
  outDir?: string;
  overlays?: string;
  outputs?: string[];
  slicesPerSecond?: number;
}

export function predictArgs(runDir: string, kind: string, input: string, out?: string): string[] {
  return ['predict', runDir, input, '--model', kind, '--json', ...(out ? ['--out', out] : [])];
}

/** The CLI's answer: its one JSON object, or its last stderr line (exit 2 prints exactly one). */
export function predictOutcome(code: number, stdout: string, stderr: string): SegmentOutcome {
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !line) {
    const last = stderr.trim().split('\n').pop() ?? '';
    return { ok: false, reason: last.replace(/^medssl predict: /, '') || `exit ${code}` };
  }
  const j = JSON.parse(line) as { outDir: string; overlays: { dir: string } | null; cases: { output: string }[]; slicesPerSecond: number };
  return {
    ok: true,
    outDir: j.outDir,
    overlays: j.overlays ? path.join(j.outDir, j.overlays.dir) : undefined,
    outputs: j.cases.map((c) => c.output),
    slicesPerSecond: j.slicesPerSecond,
  };
}
