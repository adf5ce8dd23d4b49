/**
 * Models of the engine: functional layers over explicit tf.Variables (NHWC).
 *
 *   const store = new ParamStore(new Rng(seed));                      // one per model, seeded
 *   const encoder = new ResNetEncoder({ depth: 18, widths: [32, 64, 128, 256], lastNorm: 'zca' }, store.scope('encoder'));
 *   const projector = new Projector({ inDim: encoder.featureDim }, store.scope('projector'));
 *   const { stages, pooled } = encoder.forward(x);                    // training mode by default; encoder.eval()
 *   const z = l2Normalize(projector.forward(pooled));
 *   await saveWeights(store, dir);  await loadWeights(encoder, dir2);  // atomic, names checked
 *   const fit = checkBatchFits(encoder.config, batch, 128);            // before the first step on wasm
 *
 * Key encoder (MoCo): build the same modules in a second store, `copyVariables(key, query)` once, then
 * `emaUpdate(key, query, 0.999)` after each step (buffers are copied along).
 */
export * from './module';
export * from './init';
export * from './layers';
export * from './batchNorm';
export * from './whitening';
export * from './zcaOracle';
export * from './resnet';
export * from './projector';
export * from './weights';
export * from './memoryEstimate';
export * from './memoryProbe';
