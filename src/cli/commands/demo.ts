/**
 * `medssl demo [--runs-dir DIR] [--size tiny|small]`: the quick start. On the built-in
 * phantom: pretrains MoCo v2 (no local loss, no whitening) and the full method (local loss + whitening),
 * runs linear evaluation for both, prints the comparison table (mean foreground Dice on held-out cases,
 * effective rank of the representation) and writes a self-contained HTML report beside the runs
 * (<runsDir>/demo-<timestamp>.html, with its Dice-per-class chart as demo-<timestamp>-dice-per-class.png). Progress goes to stderr; the table and the report path to stdout.
 *
 * Sizes ('small', the default) were chosen so that the whole demo finishes in well under 10 minutes on
 * a shared 2-core machine with the portable (wasm) backend: 48×48 slices, a ResNet-18 at a quarter of
 * the width (16-32-64-128) with the small stem, 12 phantom cases × 24 slices (9 for training, 3 held
 * out), 5 epochs of batch 32 on both cores (workers 'auto'), learning rate 0.05 ('auto' = 0.03 × 32/256
 * barely moves the encoder in 30 steps). 'tiny' is for tests.
 */
import * as path from 'node:path';
import { chooseBackend } from '../../core/backend/select';
import { machineBackendHost } from '../../core/backend/host';
import { configHash, defaultConfig } from '../../core/config';
import type { ExperimentConfig } from '../../core/config/types';
import { runExperiment } from '../../core/eval/pipeline';
import { dicePerClassPng } from '../../core/report/charts/fromRuns';
import { htmlReport } from '../../core/report/html';
import { reportMarkdown, summarizeRun, type RunSummary } from '../../core/report/summary';
import { writeFileAtomic } from '../../core/runs/atomic';
import { createRun, RUN_RESERVE_BYTES, type RunEvent } from '../../core/runs';
import { runFolderError } from './runFolderError';
import { EXIT } from '../errors';
import { dicePngPath } from './report';

export type DemoSize = 'tiny' | 'small';

export interface DemoArgs {
  runsDir?: string;
  size?: DemoSize;
  /** Backend request; default 'auto'. */
  backend?: ExperimentConfig['backend'];
}

type Out = (s: string) => void;

/** The two configs of the demo: [MoCo v2, the method]. */
export function demoConfigs(size: DemoSize = 'small', backend: ExperimentConfig['backend'] = 'auto'): [ExperimentConfig, ExperimentConfig] {
  const base = (name: string, method: boolean): ExperimentConfig => {
    const c = defaultConfig(name);
    c.seed = 0;
    c.backend = backend;
    c.data = {
      ...c.data,
      source: 'phantom',
      phantom: { cases: 12, slices: 24, seed: 0 },
      size: 48,
      window: 'abdomen',
      heldOutFraction: 0.25,
    };
    c.model = {
      ...c.model,
      arch: 'resnet18',
      widths: undefined,
      widthMultiplier: 0.25,
      stem: 'small',
      whitening: { ...c.model.whitening, enabled: method, method: 'iternorm', groupSize: 64, iterations: 5 },
    };
    c.ssl = { ...c.ssl, queueSize: 64, local: { ...c.ssl.local, enabled: method, stage: 4, grid: 3 } };
    c.pretrain = { ...c.pretrain, epochs: 5, batchSize: 32, lr: 0.05, warmupEpochs: 1, checkpointEvery: 0, workers: 'auto' };
    c.diagnostics = { everyEpochs: 2, slices: 128 }; // all 72 held-out slices
    c.evaluation = {
      ...c.evaluation,
      linear: { enabled: true, epochs: 25, batchSize: 32, lr: 0.05, diceWeight: 1 },
      finetune: { ...c.evaluation.finetune, enabled: false },
      overlaySlices: 24,
    };
    if (size === 'tiny') {
      c.data = { ...c.data, phantom: { cases: 4, slices: 4, seed: 0 }, size: 16 };
      c.model = { ...c.model, widths: [4, 8, 16, 16], whitening: { ...c.model.whitening, groupSize: 16 } };
      c.ssl = { ...c.ssl, queueSize: 16, embeddingDim: 16, local: { ...c.ssl.local, grid: 2, stage: 3, projectorDim: 16 } };
      c.model.projector = { outDim: 16 };
      c.pretrain = { ...c.pretrain, epochs: 1, batchSize: 4 };
      c.diagnostics = { everyEpochs: 1, slices: 4 };
      c.evaluation = { ...c.evaluation, linear: { ...c.evaluation.linear, epochs: 2, batchSize: 4 }, overlaySlices: 2 };
    }
    return c;
  };
  return [base('demo-mocov2', false), base('demo-method', true)];
}

const mmss = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

export async function demoCommand(args: DemoArgs, out: Out, err: Out): Promise<number> {
  const t0 = Date.now();
  const runsDir = path.resolve(args.runsDir ?? 'runs');
  const configs = demoConfigs(args.size ?? 'small', args.backend ?? 'auto');
  let backend;
  try {
    backend = await chooseBackend(configs[0].backend, machineBackendHost());
    if (backend.warning) err(`warning: ${backend.warning}`);
  } catch (e) {
    err(`medssl demo: backend: ${(e as Error).message}`);
    return EXIT.failed;
  }
  err(
    `medssl demo: MoCo v2 vs MoCo v2 + local loss + whitening on the built-in phantom (${configs[0].data.phantom.cases} cases × ${configs[0].data.phantom.slices} slices, ${configs[0].data.size}×${configs[0].data.size}), backend ${backend.backend}; runs in ${runsDir}`,
  );
  const rows: RunSummary[] = [];
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    for (const [i, c] of configs.entries()) {
      const tag = `[${i + 1}/${configs.length} ${c.name}]`;
      let lastPrint = 0;
      const onEvent = (e: RunEvent) => {
        if (e.type !== 'progress') return;
        const now = Date.now();
        if (now - lastPrint < 4000 && e.step !== e.totalSteps) return;
        lastPrint = now;
        const what =
          e.imagesPerSec > 0
            ? `pretraining step ${e.step}/${e.totalSteps} (epoch ${e.epoch + 1}/${c.pretrain.epochs}), ${e.imagesPerSec.toFixed(1)} images/s`
            : `linear evaluation step ${e.step}/${e.totalSteps}`;
        err(`${tag} ${what}, ~${mmss(e.etaSec)} left in this stage; ${mmss((now - t0) / 1000)} elapsed`);
      };
      let writer;
      try {
        writer = createRun(runsDir, c, 'pretrain', { onEvent, backend, reserveBytes: RUN_RESERVE_BYTES });
      } catch (e) {
        err(`medssl demo: ${runFolderError(e, runsDir, 'create')}`);
        return EXIT.badInput;
      }
      err(`${tag} ${writer.dir}`);
      const r = await runExperiment(c, { writer, configHash: configHash(c), signal: ac.signal });
      if (r.pretrain.status !== 'completed') {
        err(`medssl demo: ${c.name} ended ${r.pretrain.status}`);
        return r.pretrain.status === 'cancelled' ? EXIT.interrupted : EXIT.failed;
      }
      err(
        `${tag} done: linear-evaluation mean Dice ${r.linear?.summary.meanForeground?.toFixed(3) ?? 'n/a'}, RankMe ${r.pretrain.diagnostics?.representation.rankMe.toFixed(2) ?? 'n/a'}`,
      );
      rows.push(summarizeRun(writer.dir));
    }
  } catch (e) {
    err(`medssl demo: ${(e as Error).message}`);
    return ac.signal.aborted ? EXIT.interrupted : EXIT.failed;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const secs = (Date.now() - t0) / 1000;
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const file = path.join(runsDir, `demo-${stamp}.html`);
  const png = dicePerClassPng(rows);
  const pngFile = dicePngPath(file);
  const html = htmlReport(rows, {
    dicePng: png ? path.basename(pngFile) : undefined,
    title: 'MedSSL Studio demo: MoCo v2 vs. the method (local loss + whitening)',
    subtitle: `Built-in phantom, ${configs[0].data.size}×${configs[0].data.size} slices, ResNet-18 (16-32-64-128), ${configs[0].pretrain.epochs} pretraining epochs; linear evaluation on ${rows[0]?.heldOutCases ?? '?'} held-out cases.`,
    notes: [
      `Wall time ${mmss(secs)} on backend ${backend.backend}. Dice: per class per volume, mean over the foreground classes present; effective rank of the pooled representation on held-out slices (RankMe).`,
      "A demo-sized run: the numbers show the pipeline, not the paper's effect sizes.",
    ],
  });
  writeFileAtomic(file, html);
  if (png) writeFileAtomic(pngFile, png);
  out(reportMarkdown(rows));
  out(`\nwall time ${mmss(secs)}; report: ${file}${png ? ` (Dice-per-class chart: ${pngFile})` : ''}`);
  return EXIT.ok;
}
