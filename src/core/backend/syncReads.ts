/**
 * Whether the active backend can read a tensor synchronously. WebGPU in Node cannot: its synchronous
 * path needs OffscreenCanvas, which Node lacks, so `dataSync()` throws there. The engine reads with
 * `await t.data()` everywhere; the only synchronous reads left run inside a synchronous forward pass
 * (automatic differentiation records it in one call) and ask this first, doing without the value
 * on such a backend.
 */
import * as tf from '@tensorflow/tfjs';

export function backendReadsSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}
