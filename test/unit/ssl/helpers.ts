import * as tf from '@tensorflow/tfjs';
import type { MocoOptions } from '../../../src/core/ssl/moco';

let ready: Promise<void> | null = null;
export function useCpu(): Promise<void> {
  if (!ready)
    ready = (async () => {
      await tf.setBackend('cpu');
      await tf.ready();
    })();
  return ready;
}

/** A tiny MoCo for tests: widths 8-16-32-64, 32 px, small stem. */
export function tinyMoco(over: Partial<MocoOptions> = {}, local: Partial<MocoOptions['local']> = {}): MocoOptions {
  return {
    encoder: { depth: 18, widths: [4, 8, 16, 16], stem: 'small', inChannels: 1 },
    projector: { outDim: 16 },
    queueSize: 32,
    momentum: 0.99,
    temperature: 0.2,
    shuffleBn: 'shuffle',
    batchSize: 4,
    inputSize: 16,
    ...over,
    local: {
      enabled: true,
      weight: 0.5,
      temperature: 0.2,
      grid: 2,
      minOverlap: 0.1,
      stage: 3,
      crossImageNegatives: false,
      projectorDim: 16,
      ...local,
    },
  };
}
