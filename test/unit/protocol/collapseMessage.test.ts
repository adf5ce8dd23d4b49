// The Collapse panel's message as the host builds it from diagnostics/<step>.json (src/extension/panels/runData.ts):
// every recorded layer in network order, eigenvalues as ArrayBuffers; files written before per-layer diagnostics
// still load with the representation and the embedding; a damaged layer entry is left out, not fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spectrumReport, type SpectrumReport } from '../../../src/core/metrics/spectrum';
import { readCollapseStep } from '../../../src/extension/panels/runData';
import type { CollapseHostMessage } from '../../../src/protocol/webviews/collapse';
import { Rng } from '../../../src/core/util/rng';

const NAMES = [
  'layer1',
  'layer2',
  'layer3',
  'lastNorm.in',
  'lastNorm.out',
  'layer4',
  'beforePool.in',
  'beforePool.out',
  'representation',
  'embedding',
];

function report(n: number, d: number, seed: number): SpectrumReport {
  const r = new Rng(seed);
  return spectrumReport(
    Float32Array.from({ length: n * d }, () => r.normal()),
    n,
    d,
  );
}

function write(obj: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-collapse-'));
  const f = path.join(dir, '0.json');
  fs.writeFileSync(f, JSON.stringify(obj));
  return f;
}

const base = (representation: SpectrumReport, embedding: SpectrumReport) => ({
  step: 0,
  epoch: 0,
  samples: 12,
  representation,
  embedding,
  alignment: 0.5,
  uniformity: -1,
  top1: 0.25,
});

test('a per-layer record: every layer, in the file order, payloads with ArrayBuffer eigenvalues; survives structured clone', () => {
  const layers: Record<string, SpectrumReport> = {};
  NAMES.forEach((n, i) => (layers[n] = report(12, n.startsWith('layer1') ? 4 : 8, i + 1)));
  const f = write({ ...base(layers.representation, layers.embedding), layers });
  const s = readCollapseStep(f)!;
  assert.deepEqual(Object.keys(s.layers), NAMES);
  for (const n of NAMES) {
    const p = s.layers[n];
    assert.ok(p.eigenvalues instanceof ArrayBuffer, n);
    assert.deepEqual(Array.from(new Float64Array(p.eigenvalues)), layers[n].eigenvalues, n);
    assert.equal(p.rankMe, layers[n].rankMe, n);
    assert.equal(p.dim, layers[n].dim, n);
  }
  assert.equal(s.layers.representation, s.representation, 'one payload, shown the same everywhere');
  // what postMessage does to it
  const msg: CollapseHostMessage = { type: 'collapseStep', runId: 'r', step: s };
  const back = structuredClone(msg) as typeof msg;
  assert.deepEqual(Object.keys(back.step.layers), NAMES);
  assert.equal(new Float64Array(back.step.layers.layer3.eigenvalues)[0], layers.layer3.eigenvalues[0]);
});

test('a record from before per-layer diagnostics (and before rankMe): the representation and the embedding only', () => {
  const rep = report(12, 8, 1) as Partial<SpectrumReport>;
  const emb = report(12, 8, 2) as Partial<SpectrumReport>;
  const want = rep.rankMe;
  delete rep.rankMe;
  delete emb.rankMe;
  const s = readCollapseStep(write(base(rep as SpectrumReport, emb as SpectrumReport)))!;
  assert.deepEqual(Object.keys(s.layers), ['representation', 'embedding']);
  assert.ok(Math.abs(s.layers.representation.rankMe - want!) < 1e-12, 'RankMe derived from the eigenvalues');
});

test('a damaged layer entry is left out; a file without the representation is skipped as before', () => {
  const rep = report(12, 8, 1);
  const emb = report(12, 8, 2);
  const s = readCollapseStep(
    write({ ...base(rep, emb), layers: { layer1: { dim: 4 }, layer2: report(12, 8, 3), representation: rep, embedding: emb } }),
  )!;
  assert.deepEqual(Object.keys(s.layers), ['layer2', 'representation', 'embedding']);
  assert.equal(readCollapseStep(write({ step: 1, layers: { layer1: rep } })), undefined);
});
