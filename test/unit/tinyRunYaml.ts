/**
 * The head of the tiny phantom configs that the CLI tests run for real on the cpu backend (seconds):
 * name, seed, 4 phantom cases of 4 slices at 16², a 4-8-16-16 ResNet-18 and a 16-d projector. Each test
 * appends its own ssl / pretrain / evaluation sections, so what it is about stays visible in the test.
 */
export function tinyRunYamlHead(name: string, seed: number, modelExtra = ''): string {
  return `name: ${name}
seed: ${seed}
backend: cpu
data:
  source: phantom
  phantom: { cases: 4, slices: 4, seed: 1 }
  size: 16
  heldOutFraction: 0.25
model:
  arch: resnet18
  widths: [4, 8, 16, 16]
  stem: small
  projector: { outDim: 16 }
${modelExtra}ssl:
  queueSize: 16
  embeddingDim: 16
`;
}

/**
 * The tiny config as METHOD.md's ablation in two rows (MoCo v2, the method: local loss at stage 3 and
 * whitening), one pretraining epoch and a one-epoch linear evaluation each; `seeds` adds `seeds:`.
 */
export function tinyAblationYaml(name: string, seeds?: number[]): string {
  return `${tinyRunYamlHead(name, 2, '  whitening: { groupSize: 16 }\n')}  local: { stage: 3, grid: 2, projectorDim: 16 }
pretrain: { epochs: 1, batchSize: 4, lr: 0.05, checkpointEvery: 0, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  linear: { epochs: 1, batchSize: 4 }
  overlaySlices: 1
variants:
  - name: mocov2
    set: { ssl.local.enabled: false, model.whitening.enabled: false }
  - name: method
${seeds ? `seeds: [${seeds.join(', ')}]\n` : ''}`;
}
