/**
 * The layers a diagnostics step records (src/core/train/layerCapture.ts names them), their labels and
 * their order for the Collapse panel's layer selector. Pure (unit-tested in node).
 */
import type { CollapseRun, CollapseStep, SpectrumPayload } from '../../src/protocol/webviews/collapse';

/** The panel's default: the pooled backbone output, what the panel showed before it had layers. */
export const DEFAULT_LAYER = 'representation';
export const EMBEDDING = 'embedding';

/** Network order: name, short title, what it is. */
const LAYERS: ReadonlyArray<[name: string, title: string, detail: string]> = [
  ['layer1', 'layer1', 'stage 1 output, pooled over H, W'],
  ['layer2', 'layer2', 'stage 2 output, pooled over H, W'],
  ['layer3', 'layer3', 'stage 3 output, pooled over H, W'],
  ['lastNorm.in', 'last norm in', "input of the last block's last norm (the whitening at lastNorm, else BatchNorm), pooled over H, W"],
  ['lastNorm.out', 'last norm out', "the last norm's output, before the residual sum, pooled over H, W"],
  ['layer4', 'layer4', 'stage 4 output, pooled over H, W'],
  ['beforePool.in', 'whitening in', "the whitening before the pool: its input (the last block's output), pooled over H, W"],
  ['beforePool.out', 'whitening out', 'the whitening before the pool: its output, pooled over H, W'],
  [DEFAULT_LAYER, 'representation', 'the backbone output after the residual sum, ReLU and global pooling'],
  [EMBEDDING, 'embedding', 'the projector output'],
];
const ORDER = new Map(LAYERS.map(([n], i) => [n, i]));
const BY_NAME = new Map(LAYERS.map(([n, t, d]) => [n, { title: t, detail: d }]));

/** The selector's label of a layer, "title: what it is" (an unknown name, from a newer writer, as itself). */
export function layerLabel(name: string): string {
  const l = BY_NAME.get(name);
  return l ? `${l.title}: ${l.detail}` : name;
}

/** The short name of a layer (card headings, the by-layer table, chart captions). */
export function layerTitle(name: string): string {
  return BY_NAME.get(name)?.title ?? name;
}

/** Every layer any step of any run has, in network order (unknown names last, as first seen). */
export function layerOptions(runs: readonly CollapseRun[]): string[] {
  const seen: string[] = [];
  for (const r of runs) for (const s of r.steps) for (const n of Object.keys(layersOf(s))) if (!seen.includes(n)) seen.push(n);
  const rank = (n: string) => ORDER.get(n) ?? LAYERS.length + seen.indexOf(n);
  return seen.sort((a, b) => rank(a) - rank(b));
}

/** A step's layers; a step from an older host message without the map has the representation and the embedding. */
function layersOf(s: CollapseStep): Record<string, SpectrumPayload> {
  return s.layers ?? { [DEFAULT_LAYER]: s.representation, [EMBEDDING]: s.embedding };
}

/** The spectrum of `name` at a step, if the run recorded that layer. */
export function layerOf(s: CollapseStep, name: string): SpectrumPayload | undefined {
  return layersOf(s)[name];
}

/** The layer to show: the one chosen, if some run has it, else the default. */
export function shownLayer(runs: readonly CollapseRun[], chosen: string | undefined): string {
  return chosen && layerOptions(runs).includes(chosen) ? chosen : DEFAULT_LAYER;
}

/** The panel's help about the layers. */
export const LAYER_HELP =
  'Layers: each stage output, the input and output of the whitening layer (or of the BatchNorm it replaces, "last norm"), the representation and the embedding, from step 0 (the initialised encoder) on. Feature maps [N, H, W, C] are pooled over H and W first: one channel vector per slice, as for the representation.';
