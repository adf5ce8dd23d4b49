/**
 * Run folders as `seeds:` leaves them (<name>-<variant>-seed<N>), written directly: a config with the
 * ablation's two switches, the newest diagnostics (a spectrum per seed), metrics.json with Dice per class
 * and per held-out case. For the report's tests, which need known numbers rather than a training.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { summarizeRun } from '../../../src/core/report/summary';
import { createRun } from '../../../src/core/runs';
import { tinyConfig } from '../train/helpers';

export interface FakeSeedRun {
  variant: string;
  seed: number;
  method: boolean;
  /** Dice per foreground class (background 1 is prepended). */
  perClass: number[];
  /** Covariance eigenvalues of the representation. */
  eigenvalues: number[];
  classNames?: string[];
}

/** Writes one run folder under root; returns its path. */
export function writeSeedRun(root: string, r: FakeSeedRun): string {
  const c = tinyConfig((x) => {
    x.name = `abl-${r.variant}-seed${r.seed}`;
    x.seed = r.seed;
    x.ssl.local.enabled = r.method;
    x.model.whitening.enabled = r.method;
  });
  const w = createRun(root, c, 'pretrain', { markFailedOnExit: false });
  const spectrum = (e: number[]) => ({ eigenvalues: e, effectiveRank: 1, dims99: e.length });
  w.writeJson(
    'diagnostics/10.json',
    { step: 10, representation: spectrum(r.eigenvalues), embedding: spectrum(r.eigenvalues.slice(0, 8)) },
    'diagnostics',
  );
  const mean = r.perClass.reduce((a, v) => a + v, 0) / r.perClass.length;
  const names = r.classNames ?? ['background', ...r.perClass.map((_, k) => `class${k + 1}`)];
  w.writeJson(
    'metrics.json',
    {
      linear: {
        summary: { meanForeground: mean, perClass: [1, ...r.perClass].map((m) => ({ mean: m })) },
        heldOutCases: ['c1', 'c2'],
        classNames: names,
        cases: [
          { caseId: 'c1', meanForeground: mean - 0.01 },
          { caseId: 'c2', meanForeground: mean + 0.01 },
        ],
      },
    },
    'metrics',
  );
  w.complete();
  return w.dir;
}

export const classNames = ['background', 'liver', 'kidney'];

/** Two variants (abl-mocov2, abl-method) × three seeds with known Dice per class and spectra, summarised. */
export function seedsStudy() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-report-charts-'));
  const dirs: string[] = [];
  for (const [variant, method, dice] of [
    ['mocov2', false, [0.4, 0.2]],
    ['method', true, [0.6, 0.3]],
  ] as const)
    for (const seed of [0, 1, 2])
      dirs.push(
        writeSeedRun(root, {
          variant,
          seed,
          method,
          // seeds 0, 1, 2 add 0, 0.1, 0.2 to the first class: mean +0.1, sd 0.1
          perClass: [dice[0] + 0.1 * seed, dice[1]],
          eigenvalues: method ? [1, 1, 1, 1] : [16, 4 * (seed + 1), 1, 0],
          classNames,
        }),
      );
  return dirs.map(summarizeRun);
}
