/**
 * One experiment run: pretraining, then the evaluations the config lists (linear evaluation, then
 * fine-tuning), in the same run folder. The run is marked completed only after the last evaluation: the
 * pretraining loop's own complete() is held back (the writer is wrapped), so a viewer never sees a
 * "completed" run that is still evaluating. An evaluation that fails marks the run failed (the
 * pretraining checkpoint stays usable).
 */
import type { ExperimentConfig } from '../config/types';
import type { RunWriter } from '../runs/types';
import { pretrain, type PretrainOptions, type PretrainResult } from '../train/pretrain';
import { loadSegmentationData } from './data';
import { linearEvaluation } from './linear';
import { finetuneEvaluation } from './finetune';
import { buildEncoder, loadPretrainedEncoder, writeMetrics, type EvalMetrics } from './segment';

export interface ExperimentResult {
  pretrain: PretrainResult;
  linear?: EvalMetrics;
  finetune?: EvalMetrics;
}

/** A writer whose complete() is deferred until `release()`. */
function holdCompletion(w: RunWriter): { writer: RunWriter; completed: () => boolean } {
  let held = false;
  const writer: RunWriter = {
    get id() {
      return w.id;
    },
    get dir() {
      return w.dir;
    },
    event: (e) => w.event(e),
    scalar: (s, e, n, v) => w.scalar(s, e, n, v),
    log: (l, m, s, e) => w.log(l, m, s, e),
    writeJson: (p, v, k, s, e) => w.writeJson(p, v, k, s, e),
    writeBytes: (p, d, k, s, e) => w.writeBytes(p, d, k, s, e),
    update: (f) => w.update(f),
    complete: () => {
      held = true;
    },
    fail: (m, where) => w.fail(m, where),
    cancel: (m) => w.cancel(m),
  };
  return { writer, completed: () => held };
}

export interface ExperimentOptions extends Omit<PretrainOptions, 'writer'> {
  writer: RunWriter;
  /** Progress of the evaluations (the demo prints it). */
  onEvalStep?: (kind: 'linear' | 'finetune', step: number, total: number, loss: number) => void;
}

export async function runExperiment(c: ExperimentConfig, o: ExperimentOptions): Promise<ExperimentResult> {
  const { writer: inner, onEvalStep, ...rest } = o;
  const h = holdCompletion(inner);
  const pr = await pretrain(c, { ...rest, writer: h.writer });
  const out: ExperimentResult = { pretrain: pr };
  if (pr.status !== 'completed' || !h.completed()) return out;
  const d = pr.diagnostics;
  if (d) {
    // DESIGN.md: metrics.json holds the effective rank beside the Dice tables.
    writeMetrics(inner, 'representation', {
      step: d.step,
      samples: d.samples,
      rankMe: d.representation.rankMe,
      embeddingRankMe: d.embedding.rankMe,
      effectiveRank: d.representation.effectiveRank,
      dims99: d.representation.dims99,
      stdSqrtD: d.representation.stdSqrtD,
      embeddingEffectiveRank: d.embedding.effectiveRank,
      embeddingDims99: d.embedding.dims99,
      alignment: d.alignment,
      uniformity: d.uniformity,
    });
  }
  const ev = c.evaluation;
  if (!ev.linear.enabled && !ev.finetune.enabled) {
    inner.complete();
    return out;
  }
  let where = 'evaluation';
  try {
    const data = loadSegmentationData(c);
    if (ev.linear.enabled) {
      where = 'linear evaluation';
      const { encoder } = await loadPretrainedEncoder(c, inner.dir);
      try {
        out.linear = await linearEvaluation(c, {
          writer: inner,
          encoder,
          data,
          signal: o.signal,
          onStep: (s, t, l) => onEvalStep?.('linear', s, t, l),
        });
      } finally {
        encoder.dispose();
      }
    }
    if (ev.finetune.enabled) {
      where = 'fine-tuning';
      const init = ev.finetune.init;
      const encoder = init === 'pretrained' ? (await loadPretrainedEncoder(c, inner.dir)).encoder : buildEncoder(c);
      try {
        out.finetune = await finetuneEvaluation(c, {
          writer: inner,
          encoder,
          data,
          init,
          signal: o.signal,
          onStep: (s, t, l) => onEvalStep?.('finetune', s, t, l),
        });
      } finally {
        encoder.dispose();
      }
    }
    inner.complete();
    return out;
  } catch (e) {
    const msg = (e as Error).message;
    if (o.signal?.aborted) inner.cancel(`cancelled during ${where}: ${msg}`);
    else inner.fail(msg, where);
    throw e;
  }
}
