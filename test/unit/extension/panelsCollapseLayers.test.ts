import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CollapseRun, CollapseStep, SpectrumPayload } from '../../../src/protocol/webviews/collapse';
import { DEFAULT_LAYER, LAYER_HELP, layerLabel, layerOf, layerOptions, layerTitle, shownLayer } from '../../../webview/collapse/layers';

const sp = (dim: number): SpectrumPayload => ({
  dim,
  samples: 10,
  rankMe: 1,
  effectiveRank: 1,
  dims99: 1,
  stdSqrtD: 0.5,
  eigenvalues: new Float64Array(dim).buffer,
});

function step(n: number, names: string[] | null): CollapseStep {
  const representation = sp(8);
  const embedding = sp(4);
  const layers = names ? Object.fromEntries(names.map((k) => [k, k === 'representation' ? representation : sp(8)])) : undefined;
  return {
    step: n,
    epoch: 0,
    representation,
    embedding,
    layers: layers ?? { representation, embedding },
    alignment: 0,
    uniformity: 0,
    top1: 0,
  };
}

const run = (id: string, steps: CollapseStep[]): CollapseRun => ({ runId: id, name: id, status: 'completed', differs: [], steps });

const OFF = ['layer1', 'layer2', 'layer3', 'lastNorm.in', 'lastNorm.out', 'layer4', 'representation', 'embedding'];

test('layerOptions: the union of the runs, in network order (beforePool between layer4 and the representation)', () => {
  const moco = run('a', [step(0, OFF)]);
  const before = run('b', [step(0, [...OFF.slice(0, 6), 'beforePool.in', 'beforePool.out', 'representation', 'embedding'])]);
  // listed from the MoCo run first: the whitening layers still land in network order, not at the end
  assert.deepEqual(layerOptions([moco, before]), [...OFF.slice(0, 6), 'beforePool.in', 'beforePool.out', 'representation', 'embedding']);
  // a run recorded before per-layer diagnostics: only the two
  assert.deepEqual(layerOptions([run('old', [step(10, null)])]), ['representation', 'embedding']);
  // an unknown name from a newer writer: kept, after the known ones
  assert.deepEqual(layerOptions([run('c', [step(0, ['embedding', 'stem', 'representation'])])]), ['representation', 'embedding', 'stem']);
});

test('shownLayer: the chosen layer if some run has it, else the representation (the default view)', () => {
  const runs = [run('a', [step(0, OFF)])];
  assert.equal(shownLayer(runs, undefined), DEFAULT_LAYER);
  assert.equal(shownLayer(runs, 'layer2'), 'layer2');
  assert.equal(shownLayer(runs, 'beforePool.in'), DEFAULT_LAYER, 'no run has it');
  assert.equal(shownLayer([run('old', [step(10, null)])], 'layer2'), DEFAULT_LAYER);
});

test('layerOf: a step without the map (an older host) still has the representation and the embedding', () => {
  const s = step(3, OFF);
  assert.equal(layerOf(s, 'layer3')?.dim, 8);
  assert.equal(layerOf(s, 'beforePool.in'), undefined);
  const old = { ...step(3, null), layers: undefined } as unknown as CollapseStep;
  assert.equal(layerOf(old, 'representation'), old.representation);
  assert.equal(layerOf(old, 'embedding'), old.embedding);
  assert.equal(layerOf(old, 'layer1'), undefined);
});

test('labels: every recorded name has one; the titles tell the layers apart; the help says how maps are pooled', () => {
  const all = [...OFF.slice(0, 6), 'beforePool.in', 'beforePool.out', 'representation', 'embedding'];
  for (const n of all) assert.ok(layerLabel(n).startsWith(`${layerTitle(n)}: `), n);
  assert.equal(new Set(all.map(layerTitle)).size, all.length, 'every title tells its layer apart');
  assert.equal(layerTitle('lastNorm.in'), 'last norm in');
  assert.equal(layerTitle('representation'), 'representation');
  assert.equal(layerLabel('stem'), 'stem');
  assert.match(layerLabel('lastNorm.in'), /whitening/);
  assert.match(LAYER_HELP, /pooled over H and W/);
  assert.match(LAYER_HELP, /step 0/);
});
