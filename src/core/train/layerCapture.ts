/**
 * Per-layer capture for the collapse diagnostics: one forward pass of a MoCo side (encoder and projector)
 * with an encoder tap, returning the globally pooled channel vectors (mean over H, W) of every tapped map
 * beside the pooled representation and the projector embedding. Pooling the maps keeps the spectra
 * comparable across layers (one C-dim vector per slice, as the representation is) and cheap; it measures
 * how the slices spread in channel space, not how positions within a slice do.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderTap, ResolvedResNetConfig } from '../models/resnet';
import type { MocoSide } from '../ssl/moco';

/** The pooled backbone output (after the last residual sum, ReLU and global pooling). */
export const REPRESENTATION = 'representation';
/** The projector's output. */
export const EMBEDDING = 'embedding';

/**
 * The layers the diagnostics record for an encoder, in network order: each stage's last block output
 * (`layer1`..`layer4`), the last block's last normalisation (`lastNorm.in`/`lastNorm.out`: the whitening
 * layer at 'lastNorm', else the BatchNorm it would replace), with whitening at 'beforePool' the whitening's
 * input and output (`beforePool.in`/`beforePool.out`), then the representation and the embedding.
 */
export function diagnosticLayerNames(cfg: Pick<ResolvedResNetConfig, 'lastNorm' | 'whiteningPosition'>): string[] {
  const names = ['layer1', 'layer2', 'layer3', 'lastNorm.in', 'lastNorm.out', 'layer4'];
  if (cfg.lastNorm !== 'batchnorm' && cfg.whiteningPosition === 'beforePool') names.push('beforePool.in', 'beforePool.out');
  return [...names, REPRESENTATION, EMBEDDING];
}

/** Row-major [n, dim] vectors of one layer. */
export interface LayerVectors {
  dim: number;
  data: Float32Array;
}

/**
 * Every diagnostic layer's vectors for the images `x` [N, H, W, C] (the side's modules in whatever mode the
 * caller set), in {@link diagnosticLayerNames} order. Every tensor made here is disposed before it returns.
 */
export async function captureLayers(side: MocoSide, x: tf.Tensor4D): Promise<Map<string, LayerVectors>> {
  const kept = new Map<string, tf.Tensor2D>();
  const tap: EncoderTap = (name, map) => {
    kept.get(name)?.dispose();
    kept.set(name, tf.keep(tf.mean(map, [1, 2]) as tf.Tensor2D)); // kept: outlives the forward pass's tidy
  };
  try {
    const out = tf.tidy(() => {
      const o = side.encoder.forward(x, tap);
      return { representation: o.pooled, embedding: side.projector.forward(o.pooled) };
    });
    kept.set(REPRESENTATION, out.representation);
    kept.set(EMBEDDING, out.embedding);
    const res = new Map<string, LayerVectors>();
    for (const name of diagnosticLayerNames(side.encoder.config)) {
      const t = kept.get(name);
      if (!t) throw new Error(`diagnostics: the encoder reported no '${name}' map (tapped: ${[...kept.keys()].join(', ')})`);
      res.set(name, { dim: t.shape[1], data: ((await t.data()) as Float32Array).slice() });
    }
    return res;
  } finally {
    tf.dispose([...kept.values()]);
  }
}
