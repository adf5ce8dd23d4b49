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
