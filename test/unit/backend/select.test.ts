import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, probeBackends, type BackendHost } from '../../../src/core/backend/select';
import { answerGpuQuestion, collectEnvReport } from '../../../src/core/backend/envReport';
import { formatEnvReport } from '../../../src/core/backend/formatEnvReport';
import type { LibraryProbe } from '../../../src/core/backend/types';

const allCuda: LibraryProbe[] = [
  { name: 'CUDA runtime 11.x', candidates: ['libcudart.so.11.0'], foundAt: '/usr/local/cuda/lib64/libcudart.so.11.0' },
  { name: 'cuDNN 8', candidates: ['libcudnn.so.8'], foundAt: '/usr/lib/x86_64-linux-gnu/libcudnn.so.8' },
];
const noCuda: LibraryProbe[] = allCuda.map(({ name, candidates }) => ({ name, candidates }));

function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- x.js`), { code: 'MODULE_NOT_FOUND' });
}

/**
 * The stand-in for @tensorflow/tfjs-node-gpu: requiring it registers a backend named 'tensorflow'
 * (as the real package does), here backed by the pure-JS CPU backend so tensors really compute.
 */
function standInNative(): unknown {
  const stand = require('../../fixtures/standInTfjsNodeGpu') as { registered: () => boolean };
  assert.ok(stand.registered());
  return stand;
}

function host(over: Partial<BackendHost> & { installed?: string[] }): BackendHost {
  const installed = over.installed ?? [];
  return {
    requireOptional: (name) => {
      if (!installed.includes(name)) throw notInstalled(name);
      return standInNative();
    },
    gpus: () => [],
    cudaLibraries: () => noCuda,
    initWasm: async () => {
      await tf.setBackend('cpu'); // unit tests do not need the real wasm binary here
      return { simd: true, threads: 1 };
    },
    initWebGPU: async () => Promise.reject(new Error("no WebGPU adapter through Dawn's default backend (stand-in)")),
    ...over,
  };
}

test('auto picks the GPU package when it loads, a GPU is visible and CUDA libraries are found', async () => {
  const h = host({ installed: ['@tensorflow/tfjs-node-gpu'], gpus: () => ['GPU 0: Stand-in A100'], cudaLibraries: () => allCuda });
  const c = await chooseBackend('auto', h);
  assert.equal(c.backend, 'tfjs-node-gpu');
  assert.equal(c.device, 'GPU (CUDA): GPU 0: Stand-in A100');
  assert.deepEqual(c.skipped, []);
  assert.equal(c.warning, undefined);
  assert.equal(tf.getBackend(), 'tensorflow');
  // The stand-in backend really computes.
  assert.deepEqual(Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()), [4, 6]);
});

test('auto on a machine without native packages falls to wasm and says why each was skipped', async () => {
  const c = await chooseBackend('auto', host({}));
  assert.equal(c.backend, 'wasm');
  assert.deepEqual(
    c.skipped.map((s) => s.name),
    ['tfjs-node-gpu', 'webgpu', 'tfjs-node'],
  );
  assert.match(c.skipped[0].reason, /not installed.*CUDA 11\.2/);
  assert.match(c.skipped[1].reason, /no WebGPU adapter/);
  assert.match(c.skipped[2].reason, /@tensorflow\/tfjs-node is not installed/);
  assert.match(c.warning ?? '', /^No GPU: .*webgpu: no WebGPU adapter/);
});

test('GPU package installed but no GPU visible: skipped with that reason, tfjs-node used', async () => {
  const h = host({ installed: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'], cudaLibraries: () => allCuda });
  const c = await chooseBackend('auto', h);
  assert.equal(c.backend, 'tfjs-node');
  assert.match(c.skipped[0].reason, /no CUDA GPU is visible/);
});

test('GPU visible but CUDA libraries missing: named in the reason', async () => {
  const h = host({ installed: ['@tensorflow/tfjs-node-gpu'], gpus: () => ['GPU 0: X'] });
  const c = await chooseBackend('auto', h);
  assert.equal(c.backend, 'wasm');
  assert.match(c.skipped[0].reason, /libcudart\.so\.11\.0, libcudnn\.so\.8/);
});

test('a GPU package that throws while loading is reported with its message and missing libraries', async () => {
  const h = host({
    requireOptional: () => {
      throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
    },
  });
  const c = await chooseBackend('tfjs-node-gpu', h);
  assert.equal(c.backend, 'wasm');
  assert.match(c.skipped[0].reason, /failed to load: libcudart\.so\.11\.0: cannot open shared object file/);
  assert.match(c.warning ?? '', /Requested backend 'tfjs-node-gpu' cannot run here/);
});

test('an explicit request that runs gets no warning; cpu is honoured', async () => {
  const c = await chooseBackend('cpu', host({}));
  assert.equal(c.backend, 'cpu');
  assert.equal(c.warning, undefined);
  assert.equal(tf.getBackend(), 'cpu');
});

test('explicit wasm that fails falls back to cpu with a visible warning', async () => {
  const c = await chooseBackend('wasm', host({ initWasm: async () => Promise.reject(new Error('binary missing')) }));
  assert.equal(c.backend, 'cpu');
  assert.equal(c.skipped[0].reason, 'binary missing');
  assert.match(c.warning ?? '', /Requested backend 'wasm' cannot run here \(binary missing\)/);
});

test('an unknown request is an error naming the choices', async () => {
  await assert.rejects(
    chooseBackend('tpu' as never, host({})),
    /unknown backend 'tpu': use one of auto, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu/,
  );
});

test('probeBackends lists all five with reasons', async () => {
  const p = await probeBackends(host({}));
  assert.deepEqual(
    p.map((b) => [b.name, b.available]),
    [
      ['tfjs-node-gpu', false],
      ['webgpu', false],
      ['tfjs-node', false],
      ['wasm', true],
      ['cpu', true],
    ],
  );
  for (const b of p) assert.ok(b.reason.length > 10, `${b.name} has a reason`);
});

test('the GPU answer names what is missing', async () => {
  const h = host({});
  const probes = await probeBackends(h);
  const auto = await chooseBackend('auto', h);
  const a = answerGpuQuestion(probes, auto, noCuda, []);
  assert.match(a, /^No: jobs will run on 'wasm'/);
  assert.match(a, /no NVIDIA GPU is visible/);
  assert.match(a, /libcudart\.so\.11\.0, libcudnn\.so\.8/);
});

test('wasm says whether its kernels are native (oneDNN version and ISA) or WebAssembly, in the choice and the env report', async () => {
  const native = {
    kernels: 'native' as const,
    native: ['Conv2D', 'BatchMatMul'],
    oneDnn: { version: '2.6.3', isa: 'avx2', threads: 2, impls: { conv2d: ['brgconv:avx2'] } },
    detail: '/x/medssl_onednn.node',
  };
  const withNative = host({
    initWasm: async () => {
      await tf.setBackend('cpu');
      return { simd: true, threads: 1, native };
    },
  });
  const c = await chooseBackend('wasm', withNative);
  assert.equal(c.kernels, 'native');
  assert.match(c.device, /oneDNN 2\.6\.3, avx2/);
  const probes = await probeBackends(withNative);
  assert.deepEqual(probes.find((p) => p.name === 'wasm')?.native, native);
  const off = { kernels: 'wasm' as const, native: [], detail: 'turned off by MEDSSL_NATIVE=0' };
  const c2 = await chooseBackend(
    'wasm',
    host({
      initWasm: async () => {
        await tf.setBackend('cpu');
        return { simd: true, threads: 1, native: off };
      },
    }),
  );
  assert.equal(c2.kernels, 'wasm');
  assert.doesNotMatch(c2.device, /oneDNN/);
  const report = await collectEnvReport(withNative);
  assert.equal(report.nativeKernels?.kernels, 'native');
  const text = formatEnvReport(report);
  assert.match(text, /Native kernels under wasm: Conv2D, BatchMatMul on oneDNN 2\.6\.3, ISA avx2, 2 threads \(conv2d: brgconv:avx2\)/);
  const text2 = formatEnvReport(
    await collectEnvReport(
      host({
        initWasm: async () => {
          await tf.setBackend('cpu');
          return { simd: true, threads: 1, native: off };
        },
      }),
    ),
  );
  assert.match(text2, /Native kernels under wasm: none, every kernel is WebAssembly — turned off by MEDSSL_NATIVE=0/);
});

/** A WebGPU stand-in: records whether a software adapter was allowed; "runs" on the cpu backend. */
function webgpuHost(software: boolean, calls: boolean[]): BackendHost {
  return host({
    initWebGPU: async (allowSoftware) => {
      calls.push(allowSoftware);
      if (software && !allowSoftware)
        throw new Error("only a software WebGPU adapter is available ('llvmpipe' is a CPU implementation of the GPU API)");
      await tf.setBackend('cpu');
      return { label: software ? 'llvmpipe, software, Dawn opengles' : 'NVIDIA H100, hardware, Dawn vulkan', software };
    },
  });
}

test('auto takes a hardware WebGPU adapter after tfjs-node-gpu, without a warning', async () => {
  const calls: boolean[] = [];
  const c = await chooseBackend('auto', webgpuHost(false, calls));
  assert.equal(c.backend, 'webgpu');
  assert.equal(c.device, 'GPU (WebGPU): NVIDIA H100, hardware, Dawn vulkan');
  assert.deepEqual(
    c.skipped.map((s) => s.name),
    ['tfjs-node-gpu'],
  );
  assert.equal(c.warning, undefined);
  assert.deepEqual(calls, [false], 'auto never allows a software adapter');
  assert.match(
    answerGpuQuestion(await probeBackends(webgpuHost(false, [])), c, noCuda, []),
    /^Yes: jobs will train on the GPU through WebGPU/,
  );
});

test('auto never picks a software adapter: it says why and falls to wasm', async () => {
  const c = await chooseBackend('auto', webgpuHost(true, []));
  assert.equal(c.backend, 'wasm');
  assert.match(c.skipped[1].reason, /only a software WebGPU adapter/);
  assert.match(c.warning ?? '', /webgpu: only a software WebGPU adapter/);
});

test('backend: webgpu asked for by name uses a software adapter, with a warning that says so', async () => {
  const calls: boolean[] = [];
  const c = await chooseBackend('webgpu', webgpuHost(true, calls));
  assert.equal(c.backend, 'webgpu');
  assert.deepEqual(calls, [true]);
  assert.match(c.warning ?? '', /software adapter \(llvmpipe.*slower than 'wasm'/);
});

test('explicit tfjs-node-gpu falling through does not accept a software WebGPU adapter', async () => {
  const calls: boolean[] = [];
  const c = await chooseBackend('tfjs-node-gpu', webgpuHost(true, calls));
  assert.equal(c.backend, 'wasm');
  assert.deepEqual(calls, [false]);
});
