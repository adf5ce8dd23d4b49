import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CUDA_LIBRARIES,
  detectNvidiaGpus,
  ldconfigCache,
  librarySearchDirs,
  probeCudaLibraries,
} from '../../../src/core/backend/cudaProbe';

test('LD_LIBRARY_PATH comes first in the search folders', () => {
  const dirs = librarySearchDirs({ LD_LIBRARY_PATH: '/opt/cuda-11.2/lib64:/opt/cudnn/lib' });
  assert.deepEqual(dirs.slice(0, 2), ['/opt/cuda-11.2/lib64', '/opt/cudnn/lib']);
  assert.ok(dirs.includes('/usr/local/cuda/lib64'));
});

test('libraries are found in folders or in the ldconfig cache, and missing ones stay missing', () => {
  const files = new Set(['/opt/cuda/lib64/libcudart.so.11.0']);
  const cache = new Map([['libcudnn.so.8', '/usr/lib/x86_64-linux-gnu/libcudnn.so.8']]);
  const probes = probeCudaLibraries(['/opt/cuda/lib64'], cache, (p) => files.has(p));
  assert.equal(probes.length, CUDA_LIBRARIES.length);
  const byFile = new Map(probes.map((p) => [p.candidates[0], p.foundAt]));
  assert.equal(byFile.get('libcudart.so.11.0'), '/opt/cuda/lib64/libcudart.so.11.0');
  assert.equal(byFile.get('libcudnn.so.8'), '/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
  assert.equal(byFile.get('libcublas.so.11'), undefined);
});

test('ldconfig -p output is parsed', () => {
  const text = `12 libs found in cache \`/etc/ld.so.cache'
\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
`;
  const m = ldconfigCache(() => text);
  assert.equal(m.get('libcudnn.so.8'), '/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
  assert.equal(m.get('libz.so.1'), '/lib/x86_64-linux-gnu/libz.so.1');
  assert.equal(
    ldconfigCache(() => {
      throw new Error('absent');
    }).size,
    0,
  );
});

test('nvidia-smi -L lines become the GPU list', () => {
  const r = detectNvidiaGpus(() => 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)\nGPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-2)\n');
  assert.deepEqual(r.gpus, ['GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)', 'GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-2)']);
});

test('this machine: no GPU, and the probe says so rather than failing', () => {
  const r = detectNvidiaGpus();
  assert.ok(Array.isArray(r.gpus));
});
