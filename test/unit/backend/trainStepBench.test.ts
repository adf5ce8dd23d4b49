// `medssl bench`'s measurement core on a toy shape (so that it runs in seconds): the step is timed on
// one replica in process and on two worker_threads replicas, and each replica reports where its step
// goes (forward+backward, gradient exchange and its barrier wait, update, readback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, medianPhases, type BenchResult } from '../../../src/core/bench/trainStepBench';
import { nativeKernelStatus } from '../../../src/core/backend/native/register';

const tiny = {
  batch: 4,
  size: 32,
  widths: [4, 8, 8, 16] as [number, number, number, number],
  steps: 2,
  warmup: 1,
  torch: false,
  data: false,
};

function checkCommon(r: BenchResult, workers: number): void {
  assert.equal(r.backend, 'wasm');
  assert.equal(r.kernels, nativeKernelStatus().kernels, 'kernels: native|wasm as the backend reports them');
  assert.equal(r.onednn != null, r.kernels === 'native');
  // One replica in process: oneDNN's threads; worker replicas: one thread each.
  assert.equal(r.threads, workers === 1 && r.kernels === 'native' ? r.onednn!.threads : workers);
  assert.equal(r.step_s.length, 2);
  assert.ok(r.images_per_s > 0 && Number.isFinite(r.images_per_s));
  assert.equal(r.ratio, null, 'no peer, no ratio');
  assert.match(r.peer_reason ?? '', /disabled/);
  assert.equal(r.phases.length, workers, 'one phase record per replica');
  for (const p of r.phases) {
    for (const v of Object.values(p)) assert.ok(Number.isFinite(v) && v >= 0, JSON.stringify(p));
    assert.ok(p.forward_backward > 0);
    assert.ok(p.exchange_wait <= p.exchange + 1e-9, 'the barrier wait is part of the exchange');
    // A replica's phases fit in the step the main thread timed (the slowest one).
    const sum = p.forward_backward + p.exchange + p.update + p.readback;
    assert.ok(sum <= Math.max(...r.step_s) * 1000 + 1, `phases ${sum} ms exceed the step ${Math.max(...r.step_s) * 1000} ms`);
  }
}

test('bench in process (1 replica): phases without an exchange', async () => {
  const r = await runBench({ ...tiny, workers: 1, profile: true });
  checkCommon(r, 1);
  assert.equal(r.phases[0].exchange_wait, 0);
  assert.ok(r.profile && r.profile.some((k) => k.kernel === 'Conv2DBackpropFilter'), 'profile names the conv gradient kernel');
});

test('bench with 2 worker_threads: one phase record per worker, gradients exchanged', async () => {
  const r = await runBench({ ...tiny, workers: 2 });
  checkCommon(r, 2);
  assert.match(r.mode, /2 worker_threads/);
  for (const p of r.phases) assert.ok(p.exchange > 0, 'the all-reduce ran');
});

test('medianPhases takes the field-wise median', () => {
  const mk = (x: number) => ({ forward_backward: x, exchange: 2 * x, exchange_wait: x / 2, update: 3, readback: x });
  assert.deepEqual(medianPhases([mk(1), mk(5), mk(3)]), mk(3));
  assert.deepEqual(medianPhases([]), { forward_backward: 0, exchange: 0, exchange_wait: 0, update: 0, readback: 0 });
});

test('bench with the PyTorch peer interleaved step by step (skipped without python3-torch)', async (t) => {
  const fs = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  if (!fs.existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0) {
    t.skip('Debian python3-torch is not installed');
    return;
  }
  // Widths 8-16-16-32: Debian's PyTorch 1.13 itself crashes (heap corruption in backward) at 4-8-8-16.
  const r = await runBench({ ...tiny, widths: [8, 16, 16, 32], torch: true, workers: 1 });
  assert.ok(r.peer, `no peer: ${r.peer_reason}`);
  assert.match(r.peer.name, /PyTorch/);
  assert.equal(r.peer.step_s.length, 2, 'one peer step per measured step of ours');
  assert.equal(r.peer.threads, r.threads, 'the peer gets as many threads as we use');
  assert.ok(r.ratio !== null && Math.abs(r.ratio - r.images_per_s / r.peer.images_per_s) < 1e-12);
});

test('bench without a usable peer says why and still measures ours', async () => {
  const missing = await runBench({ ...tiny, torch: true, workers: 1, python: '/nonexistent/python3' });
  assert.equal(missing.peer, null);
  assert.match(missing.peer_reason ?? '', /\/nonexistent\/python3 not found/);
  assert.ok(missing.images_per_s > 0);
  const dead = await runBench({ ...tiny, torch: true, workers: 1, python: '/bin/false' });
  assert.equal(dead.peer, null);
  assert.equal(dead.ratio, null);
  assert.match(dead.peer_reason ?? '', /PyTorch peer failed/);
});
