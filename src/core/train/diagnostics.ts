/**
 * Collapse diagnostics on held-out slices, encoders in evaluation mode (running statistics, nothing
 * updated): spectra of the backbone representation (pooled, d-dim), of the projector embedding and of
 * every layer in {@link diagnosticLayerNames} (pooled over H, W), with RankMe, dims for 99%, std × √d; alignment and uniformity of the embeddings of two views;
 * InfoNCE top-1 of (query view 1, key view 2, current queue). Views come from a generator of their own
 * (fixed seed), so diagnostics never disturb the run's generator (resume equality) and are comparable
 * across steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentConfig as ViewAugmentConfig } from '../data/augment';
import type { Slice } from '../data/volume';
import { alignment, infoNceTop1, spectrumReport, uniformity, type SpectrumReport } from '../metrics/spectrum';
import { l2Normalize } from '../models/projector';
import { disposeEncoderOutput, type Moco, type MocoSide } from '../ssl/moco';
import { Rng } from '../util/rng';
import { makeBatch } from './data';
import { captureLayers, EMBEDDING, REPRESENTATION } from './layerCapture';

export interface Diagnostics {
  step: number;
  epoch: number;
  samples: number;
  representation: SpectrumReport;
  embedding: SpectrumReport;
  /** Every diagnostic layer by name, in network order (the two above included); absent in runs recorded before it existed. */
  layers: Record<string, SpectrumReport>;
  alignment: number;
  uniformity: number;
  top1: number;
}

/** The projector embeddings of a batch of views. */
async function embed(side: MocoSide, x: tf.Tensor4D): Promise<Float32Array> {
  const emb = tf.tidy(() => {
    const o = side.encoder.forward(x);
    const e = side.projector.forward(o.pooled);
    disposeEncoderOutput(o);
    return e;
  });
  try {
    return ((await emb.data()) as Float32Array).slice();
  } finally {
    emb.dispose();
  }
}

export async function computeDiagnostics(
  moco: Moco,
  slices: Slice[],
  aug: ViewAugmentConfig,
  seed: number,
  chunk: number,
  step: number,
  epoch: number,
): Promise<Diagnostics> {
  if (slices.length < 2)
    throw new Error(`diagnostics: ${slices.length} held-out slice(s); need at least 2 (raise data.heldOutFraction or phantom cases)`);
  const r = new Rng(Rng.hashSeed(`${seed}/diagnostics`));
  moco.query.train(false);
  moco.key.train(false);
  const e = moco.options.projector.outDim;
  const n = slices.length;
  const layers = new Map<string, { dim: number; data: Float32Array }>();
  const z1 = new Float32Array(n * e);
  const z2 = new Float32Array(n * e);
  const K = moco.queue.size;
  const logits = new Float32Array(n * (1 + K));
  try {
    for (let i = 0; i < n; i += chunk) {
      const part = slices.slice(i, i + chunk);
      const m = part.length;
      // un-augmented slices: the spectrum of every layer
      const x = tf.tensor4d(concatSlices(part), [m, part[0].height, part[0].width, 1]);
      try {
        for (const [name, v] of await captureLayers(moco.query, x)) {
          let all = layers.get(name);
          if (!all) layers.set(name, (all = { dim: v.dim, data: new Float32Array(n * v.dim) }));
          all.data.set(v.data, i * v.dim);
        }
      } finally {
        x.dispose();
      }
      // two views: alignment / uniformity / top-1
      const b = makeBatch(part, aug, r);
      try {
        const v1 = await embed(moco.query, b.xq);
        const v2 = await embed(moco.key, b.xk);
        z1.set(v1, i * e);
        z2.set(v2, i * e);
        const lg = tf.tidy(() => {
          const q = l2Normalize(tf.tensor2d(v1, [m, e]));
          const k = l2Normalize(tf.tensor2d(v2, [m, e]));
          const pos = tf.sum(tf.mul(q, k), 1, true);
          const neg = tf.matMul(q, moco.queue.keys as tf.Tensor as tf.Tensor2D);
          return tf.concat([pos, neg], 1);
        });
        try {
          logits.set(await lg.data(), i * (1 + K));
        } finally {
          lg.dispose();
        }
      } finally {
        tf.dispose([b.xq, b.xk]);
      }
    }
  } finally {
    moco.query.train(true);
    moco.key.train(true);
  }
  const spectra: Record<string, SpectrumReport> = {};
  for (const [name, v] of layers) spectra[name] = spectrumReport(v.data, n, v.dim);
  return {
    step,
    epoch,
    samples: n,
    representation: spectra[REPRESENTATION],
    embedding: spectra[EMBEDDING],
    layers: spectra,
    alignment: alignment(z1, z2, n, e),
    uniformity: uniformity(z1, n, e),
    top1: infoNceTop1(logits, n, 1 + K),
  };
}

function concatSlices(s: Slice[]): Float32Array {
  const sz = s[0].width * s[0].height;
  const out = new Float32Array(s.length * sz);
  s.forEach((x, i) => out.set(x.data, i * sz));
  return out;
}

/** Evenly spaced held-out slices (or their indices), at most `count`. */
export function pickSlices<T>(all: readonly T[], count: number): T[] {
  if (all.length <= count) return [...all];
  return Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)]);
}
