/** The MoCo options of a config, and the weight check of the NaN/Inf guard (used by every replica and the wasm heap check). */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { ResNetConfig } from '../models/resnet';
import type { Moco, MocoOptions } from '../ssl/moco';

export function mocoOptions(c: ExperimentConfig): MocoOptions {
  const depth = ({ resnet18: 18, resnet34: 34, resnet50: 50 } as const)[c.model.arch];
  const w = c.model.whitening;
  const encoder: Partial<ResNetConfig> = {
    depth,
    widths: c.model.widths,
    widthMultiplier: c.model.widthMultiplier,
    stem: c.model.stem,
    inChannels: 1,
    repeatToThreeChannels: c.model.repeatToThreeChannels,
    lastNorm: w.enabled ? w.method : 'batchnorm',
    whiteningPosition: w.position,
    whitening: { groupSize: w.groupSize, iterations: w.iterations, epsilon: w.eps, momentum: w.momentum },
  };
  return {
    encoder,
    projector: { hiddenDim: c.model.projector.hiddenDim, outDim: c.model.projector.outDim },
    queueSize: c.ssl.queueSize,
    momentum: c.ssl.momentum,
    temperature: c.ssl.temperature,
    shuffleBn: c.ssl.shuffleBn,
    local: { ...c.ssl.local },
    batchSize: c.pretrain.batchSize,
    inputSize: c.data.size,
  };
}

/** The name of the first query-side variable holding a NaN/Inf, or null. */
export async function firstNonFinite(moco: Moco): Promise<string | null> {
  const list = moco.query.store.list();
  // One read for every variable: a GPU read is a round trip, so not one per variable.
  const flags = tf.tidy(() => tf.stack(list.map((e) => tf.cast(tf.any(tf.logicalNot(tf.isFinite(e.variable))), 'int32'))));
  try {
    const v = await flags.data();
    const i = v.findIndex((x) => x !== 0);
    return i >= 0 ? list[i].name : null;
  } finally {
    flags.dispose();
  }
}
