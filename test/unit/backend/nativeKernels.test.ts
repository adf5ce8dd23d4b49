// The oneDNN kernels under the wasm backend against the pure-JS `cpu` backend (gradient checks on
// the wasm kernel suite's shapes, a ResNet-18 check of every parameter gradient), against the wasm
// kernels themselves (a smoke pretraining's losses) and for leaks. Skipped, with the reason printed,
// when the addon is not built here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../../../src/core/backend/wasm/init';
import { loadOneDnnAddon, defaultNativeThreads, addonCandidates, tryLoadOneDnnAddon } from '../../../src/core/backend/native/addon';
import { autoReplicas, describeKernels } from '../../../src/core/backend/native/replicas';
import {
  nativeKernelStatus,
  setNativeKernelsActive,
  NATIVE_KERNEL_NAMES,
  kernelsKind,
  selectedKernelNames,
} from '../../../src/core/backend/native/register';
import { oneDnnGeom, nativeFailures } from '../../../src/core/backend/native/kernels';
import { convGeom } from '../../../src/core/backend/wasm/kernels/convInfo';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { pretrain } from '../../../src/core/train/pretrain';
import { TestWriter, tinyConfig } from '../train/helpers';
import { checkAll, MATMUL_CASES, matMulWithGrads, Mulberry, on, relErr, type CheckRow } from './kernelCheck';

const TOL = 1e-4;
const load = loadOneDnnAddon();
const skip = load.addon ? false : `oneDNN addon not available: ${load.detail}`;
if (skip) console.log(`nativeKernels tests skipped — ${skip}`);
const rows: CheckRow[] = [];
const random = new Mulberry(4242);
const rnd = (n: number): Float32Array => random.floats(n);
const check = (shape: string, kernels: string[], got: Float32Array[], ref: Float32Array[]): void =>
  checkAll(rows, TOL, shape, kernels, got, ref);

before(async () => {
  if (skip) return;
  await initWasmBackend();
});
after(() => {
  if (!rows.length) return;
  const w = Math.max(...rows.map((r) => r.shape.length), 5);
  console.log(
    [
      `${'case'.padEnd(w)}  ${'kernel (native)'.padEnd(36)}  rel.err`,
      ...rows.map((r) => `${r.shape.padEnd(w)}  ${r.kernel.padEnd(36)}  ${r.err.toExponential(2)}`),
    ].join('\n'),
  );
});

test('addon lookup and thread defaults', () => {
  assert.ok(addonCandidates('/a/b/c').includes('/a/b/native/build/Release/medssl_onednn.node'));
  assert.equal(defaultNativeThreads({}, true), null, 'main thread: oneDNN uses every core');
  assert.equal(defaultNativeThreads({}, false), 1, 'one thread per data-parallel replica');
  assert.equal(defaultNativeThreads({ MEDSSL_NATIVE_THREADS: '3' }, false), 3);
});

test('MEDSSL_NATIVE=0 turns the native kernels off and says so', () => {
  const off = tryLoadOneDnnAddon({ MEDSSL_NATIVE: '0' });
  assert.equal(off.addon, null);
  assert.match(off.detail, /MEDSSL_NATIVE=0/);
});

test("'auto' replicas: one per core (at most 2), one oneDNN thread each", () => {
  assert.deepEqual([autoReplicas(1).replicas, autoReplicas(2).replicas, autoReplicas(16).replicas], [1, 2, 2]);
  assert.equal(autoReplicas(2).threadsPerReplica, 1);
});

test('kernel description names oneDNN and its ISA', { skip }, async () => {
  await initWasmBackend();
  assert.match(describeKernels(true), /^wasm \(SIMD\) \+ oneDNN \d+\.\d+\.\d+ conv\/matmul kernels \((sse41|avx)\w*, \d+ threads?\)$/);
});

test('oneDNN padding matches tfjs geometry or refuses', () => {
  const g = convGeom([2, 9, 7, 3], [3, 3, 3, 5], [2, 2], [1, 1], 'same', undefined, 'NHWC');
  const d = oneDnnGeom(g);
  assert.ok(d);
  assert.deepEqual(Array.from(d).slice(13), [1, 1, 1, 1]);
  const v = oneDnnGeom(convGeom([1, 8, 8, 1], [3, 3, 1, 1], [2, 2], [1, 1], 'valid', undefined, 'NHWC'));
  assert.deepEqual(Array.from(v!).slice(13), [0, 0, 0, 0]);
});

test('status names the native kernels, oneDNN version and ISA', { skip }, async () => {
  const s = nativeKernelStatus();
  assert.equal(s.kernels, 'native');
  assert.deepEqual(s.native, [...NATIVE_KERNEL_NAMES]);
  assert.match(s.oneDnn!.version, /^\d+\.\d+\.\d+$/);
  assert.match(s.oneDnn!.isa, /sse41|avx/);
  assert.ok(s.oneDnn!.threads >= 1);
  // Implementations named before any training ran (a probe on a scratch buffer), e.g. brgconv:avx512_core.
  for (const k of ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']) assert.match(s.oneDnn!.impls[k]?.join(',') ?? '', /:/, k);
  for (const k of NATIVE_KERNEL_NAMES) assert.ok(tf.getKernel(k, 'wasm'), k);
});

// [batch, h, w, cin, k, cout, stride, pad, dilation]: the wasm suite's shapes plus dilation 2.
const convCases: [number, number, number, number, number, number, number, 'same' | 'valid', number][] = [
  [1, 9, 7, 3, 3, 5, 1, 'same', 1],
  [2, 9, 7, 3, 3, 5, 2, 'same', 1],
  [3, 8, 8, 4, 3, 6, 2, 'valid', 1],
  [4, 11, 13, 2, 7, 4, 2, 'same', 1],
  [2, 15, 15, 1, 7, 8, 2, 'valid', 1],
  [2, 8, 8, 3, 1, 4, 2, 'same', 1],
  [3, 7, 5, 6, 1, 3, 1, 'valid', 1],
  [4, 5, 5, 3, 3, 2, 1, 'valid', 1],
  [1, 16, 16, 8, 3, 8, 2, 'same', 1],
  [2, 13, 9, 5, 7, 3, 1, 'same', 1],
  [1, 4, 4, 16, 3, 16, 1, 'same', 1],
  [2, 3, 3, 8, 3, 4, 2, 'same', 1],
  [2, 17, 14, 2, 3, 3, 3, 'same', 1],
  [2, 11, 9, 3, 3, 4, 1, 'same', 2],
  [1, 12, 12, 2, 3, 5, 1, 'valid', 2],
  [3, 9, 13, 2, 7, 3, 1, 'same', 2],
];

/** Zero-inserted filter: a dilated conv equals an undilated conv with this filter (the cpu backprop kernels ignore dilation). */
function dilateFilter(wa: Float32Array, k: number, ci: number, co: number, d: number): { data: Float32Array; ke: number } {
  const ke = (k - 1) * d + 1;
  const out = new Float32Array(ke * ke * ci * co);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) out.set(wa.subarray((a * k + b) * ci * co, (a * k + b + 1) * ci * co), (a * d * ke + b * d) * ci * co);
  return { data: out, ke };
}

test(
  'Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter match cpu (kernel 1/3/7, stride 1/2/3, same/valid, dilation 1/2)',
  { skip },
  async () => {
    for (const [n, h, w, ci, k, co, s, pad, d] of convCases) {
      const xa = rnd(n * h * w * ci),
        wa = rnd(k * k * ci * co);
      const { data: wd, ke } = dilateFilter(wa, k, ci, co, d);
      await tf.setBackend('cpu');
      const oshape = tf.conv2d(tf.zeros([n, h, w, ci]) as tf.Tensor4D, tf.zeros([ke, ke, ci, co]) as tf.Tensor4D, s, pad).shape;
      const dya = rnd(oshape.reduce((p, q) => p * q, 1));
      // Direct kernel calls: tfjs-core's conv2d gradient refuses dilation > 1, the kernels do not.
      const calls = (wv: Float32Array, kk: number, dd: number) => (): tf.Tensor[] => {
        const x = tf.tensor(xa, [n, h, w, ci]),
          W = tf.tensor(wv, [kk, kk, ci, co]),
          dy = tf.tensor(dya, oshape);
        const attrs = { strides: [s, s], pad, dataFormat: 'NHWC', dilations: [dd, dd] };
        const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [kk, kk, ci, co] }) as tf.Tensor;
        return [
          tf.engine().runKernel('Conv2D', { x, filter: W }, attrs) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: W }, { ...attrs, inputShape: [n, h, w, ci] }) as tf.Tensor,
          dd === d ? dW : tf.stridedSlice(dW, [0, 0, 0, 0], [kk, kk, ci, co], [d, d, 1, 1]),
        ];
      };
      const ref = await on('cpu', calls(wd, ke, 1));
      check(
        `x${n}x${h}x${w}x${ci} k${k} s${s} d${d} ${pad}`,
        ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
        await on('wasm', calls(wa, k, d)),
        ref,
      );
    }
  },
);

// The smoke config's ResNet-18 (`stem: small`, widths 8/16/...) has a 1x1 stride-2 shortcut from
// 64x64x8 to 32x32x16: oneDNN 2.6's avx512 1x1 backward-weights kernel wrote past its scratchpad for
// it (input channels padded to 16) and the CLI died with "double free or corruption". Repeated calls,
// because the corruption showed only at a later free.
test('strided 1x1 filter gradient with few input channels (the smoke shortcut) matches cpu, repeatedly', { skip }, async () => {
  const cases: [number, number, number, number][] = [
    [16, 64, 8, 16],
    [2, 64, 4, 16],
    [2, 63, 4, 16],
    [2, 32, 8, 32],
  ];
  const failuresBefore = nativeFailures().length;
  for (const [n, h, ci, co] of cases) {
    const xa = rnd(n * h * h * ci);
    const oh = Math.ceil(h / 2);
    const dya = rnd(n * oh * oh * co);
    const calls = (): tf.Tensor[] => {
      const x = tf.tensor(xa, [n, h, h, ci]),
        dy = tf.tensor(dya, [n, oh, oh, co]);
      const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], filterShape: [1, 1, ci, co] };
      return [0, 1, 2, 3, 4].map(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor);
    };
    const ref = (await on('cpu', calls))[0];
    const got = await on('wasm', calls);
    check(
      `x${n}x${h}x${h}x${ci} k1 s2 -> ${co}`,
      got.map((_, i) => `Conv2DBackpropFilter #${i + 1}`),
      got,
      got.map(() => ref),
    );
  }
  assert.equal(nativeFailures().length, failuresBefore, `oneDNN ran every case (no wasm fallback): ${nativeFailures().join('; ')}`);
});

test('MEDSSL_NATIVE_KERNELS picks the native kernels to register, and names an unknown one', () => {
  assert.deepEqual(selectedKernelNames({}), [...NATIVE_KERNEL_NAMES]);
  assert.deepEqual(selectedKernelNames({ MEDSSL_NATIVE_KERNELS: ' BatchMatMul,Conv2D ' }), ['Conv2D', 'BatchMatMul']);
  assert.throws(() => selectedKernelNames({ MEDSSL_NATIVE_KERNELS: 'Conv3D' }), /MEDSSL_NATIVE_KERNELS: unknown kernel Conv3D/);
});

test('a changed filter of the same shape is re-reordered, also after the heap grew', { skip }, async () => {
  const [n, h, w, ci, k, co] = [2, 10, 10, 8, 3, 16];
  const xa = rnd(n * h * w * ci);
  const run = (wa: Float32Array, grow: boolean): tf.Tensor[] => {
    const out = [tf.conv2d(tf.tensor4d(xa, [n, h, w, ci]), tf.tensor4d(wa, [k, k, ci, co]), 1, 'same')];
    // 64 MiB more heap between two calls: the heap's ArrayBuffer is replaced.
    const big = grow ? tf.zeros([16, 1024, 1024]) : null;
    out.push(tf.conv2d(tf.tensor4d(xa, [n, h, w, ci]), tf.tensor4d(wa, [k, k, ci, co]), 1, 'same'));
    big?.dispose();
    return out;
  };
  for (const [i, grow] of [
    [0, false],
    [1, true],
    [2, false],
  ] as const) {
    const wa = rnd(k * k * ci * co);
    const ref = await on('cpu', () => run(wa, false));
    const got = await on('wasm', () => run(wa, grow));
    check(`filter #${i}${grow ? ' heap grown' : ''}`, ['Conv2D', 'Conv2D (again)'], got, ref);
  }
});

test('BatchMatMul (transposes, batch, broadcast) and its gradients match cpu', { skip }, async () => {
  for (const mc of MATMUL_CASES) {
    const { label, f } = matMulWithGrads(mc, rnd);
    random.seed = 777;
    const c = await on('cpu', f);
    random.seed = 777;
    check(label, ['BatchMatMul', 'BatchMatMul (grad a)', 'BatchMatMul (grad b)'], await on('wasm', f), c);
  }
  const a3 = rnd(4 * 6 * 5),
    b3 = rnd(5 * 3),
    c3 = rnd(72);
  const bc = (): tf.Tensor[] => [
    tf.matMul(tf.tensor(a3, [4, 6, 5]), tf.tensor(b3, [3, 5]), false, true),
    tf.matMul(tf.tensor(a3.subarray(0, 30), [1, 6, 5]), tf.tensor(c3, [4, 6, 3]), true, false),
  ];
  check('broadcast batch', ['BatchMatMul [4,6,5]x[5,3]T', 'BatchMatMul [1,6,5]Tx[4,6,3]'], await on('wasm', bc), await on('cpu', bc));
});

test('max-pool gradient (MaxPoolGrad) matches cpu, including all-zero windows after ReLU', { skip }, async () => {
  const cases: [number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 9, 9, 3, 3, 2, 'same'],
    [3, 8, 8, 4, 2, 2, 'valid'],
    [1, 11, 7, 2, 3, 1, 'same'],
    [4, 16, 16, 5, 3, 2, 'same'],
    [2, 13, 10, 3, 3, 2, 'valid'],
  ];
  for (const [n, h, w, c, k, s, pad] of cases) {
    const xa = rnd(n * h * w * c).map((v) => v - 0.6);
    const ra = rnd(n * h * w * c);
    const f = (): tf.Tensor[] => [
      tf.grad((t: tf.Tensor) => {
        const y = tf.maxPool(tf.relu(t) as tf.Tensor4D, k, s, pad);
        return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
      })(tf.tensor4d(xa, [n, h, w, c])),
    ];
    check(`x${n}x${h}x${w}x${c} pool${k} s${s} ${pad}`, ['MaxPoolGrad'], await on('wasm', f), await on('cpu', f));
  }
});

test("every parameter gradient of the product's ResNet-18 encoder matches cpu", { skip }, async () => {
  const n = 2,
    size = 33;
  const xa = rnd(n * size * size);
  const grads = async (backend: string): Promise<Map<string, Float32Array>> => {
    await tf.setBackend(backend);
    // The ImageNet stem (7x7/2 conv, 3x3/2 max-pool) so that every native kernel is on the path.
    const enc = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 16], inChannels: 1, seed: 3, stem: 'imagenet' });
    enc.train();
    const named = enc.namedVariables('param');
    const x = tf.tensor4d(xa, [n, size, size, 1]);
    const { value, grads: g } = tf.variableGrads(
      () => {
        const out = enc.forward(x);
        const loss = tf.sum(tf.mul(out.pooled, tf.linspace(-1, 1, out.pooled.size).reshape(out.pooled.shape))) as tf.Scalar;
        tf.dispose([out.stem, ...out.stages]);
        return loss;
      },
      named.map((e) => e.variable),
    );
    const m = new Map<string, Float32Array>();
    for (const e of named) m.set(e.name, Float32Array.from(g[e.variable.name].dataSync() as Float32Array));
    tf.dispose([value, x, ...Object.values(g)]);
    enc.dispose();
    return m;
  };
  const c = await grads('cpu');
  const w = await grads('wasm');
  assert.ok(c.size >= 60, `expected >= 60 parameter tensors, got ${c.size}`);
  let worst = 0,
    worstName = '';
  for (const [name, ref] of c) {
    const e = relErr(w.get(name)!, ref);
    if (e > worst) {
      worst = e;
      worstName = name;
    }
  }
  rows.push({ shape: `ResNet-18 4-8-8-16 x${n}x${size}x${size}x1`, kernel: `all ${c.size} param grads (worst ${worstName})`, err: worst });
  assert.ok(worst < TOL, `worst parameter gradient ${worstName}: relative error ${worst}`);
});

// The MoCo loss alone. Losses over 10 steps are a weak check of kernels: this 4-image, 16-pixel run
// amplifies rounding. oneDNN and the wasm kernels sum in different orders (in a training, on the same
// inputs: 3e-7 of the output's largest value at worst, 1e-8 on average, 3e-6 for the filter gradient);
// a pre-activation that lies that close to zero switches its ReLU derivative between 0 and 1, and
// the update then differs by a whole gradient element. Measured with the local loss on (native vs
// wasm: 4.6e-3 at step 3, 4.4e-2 worst of 10): pure wasm kernels whose outputs get uniform noise of
// 3e-8 x their largest value drift beyond 1e-4 in 8 of 8 seeds (step 3-10); cpu vs wasm drifts too
// (7e-4 at step 5); replacing ReLU's step derivative by a ramp of slope 1 (both runs) keeps native
// within 4.3e-5 of wasm for 10 steps, a ramp of slope 100 does not (5e-2). With the local loss off
// the same noise drifts in 8 of 8 seeds by step 8 (2e-7 x max), so this check passes because no
// near-zero pre-activation happens to flip in these 10 steps on this CPU; the next test is the one
// that proves the kernels right inside a training, local loss on.
test('smoke pretraining: the first losses match the wasm kernels (10 reported), tensor count constant', { skip }, async () => {
  const run = async (native: boolean): Promise<{ losses: number[]; counts: number[] }> => {
    await tf.setBackend('wasm');
    setNativeKernelsActive(native);
    assert.equal(kernelsKind(), native ? 'native' : 'wasm');
    const w = TestWriter.temp();
    const counts: number[] = [];
    const c = tinyConfig((c) => {
      c.backend = 'wasm';
      c.pretrain.epochs = 4;
      c.ssl.local.enabled = false;
    });
    const r = await pretrain(c, { writer: w, configHash: 'h', onStep: () => counts.push(tf.memory().numTensors) });
    assert.equal(r.status, 'completed');
    return { losses: w.scalars('loss/total').map((x) => x[1]), counts };
  };
  try {
    const wasm = await run(false);
    const native = await run(true);
    assert.ok(native.losses.length >= 10, `${native.losses.length} steps`);
    const rel = native.losses.slice(0, 10).map((l, i) => Math.abs(l - wasm.losses[i]) / Math.max(Math.abs(wasm.losses[i]), 1e-12));
    // Reported for all 10 steps, asserted for the first 2: past them the ReLU flips described above
    // make the comparison a property of the CPU's rounding (another oneDNN implementation on an AVX2
    // or AMX machine sums in another order), not of the kernels.
    rows.push({
      shape: 'smoke pretraining, steps 1-2 (asserted)',
      kernel: 'loss/total vs wasm kernels',
      err: Math.max(...rel.slice(0, 2)),
    });
    rows.push({ shape: 'smoke pretraining, steps 1-10 (reported)', kernel: 'loss/total vs wasm kernels', err: Math.max(...rel) });
    assert.ok(
      Math.max(...rel.slice(0, 2)) < TOL,
      `losses differ: native ${native.losses.slice(0, 10)} vs wasm ${wasm.losses.slice(0, 10)}`,
    );
    assert.ok(
      native.counts.every((n) => n === native.counts[0]),
      `tensor counts ${native.counts}`,
    );
  } finally {
    setNativeKernelsActive(true);
  }
});

/** Snapshot of a tensor's values on the wasm heap. */
function heapCopy(backend: { readSync(id: tf.DataId): unknown }, t: tf.TensorInfo): Float32Array {
  return Float32Array.from(backend.readSync(t.dataId) as Float32Array);
}

interface CheckedCalls {
  calls: Record<string, number>;
  worst: Record<string, number>;
  inputsChanged: string[];
}

/**
 * Runs every native kernel and then, on the very same heap inputs, the wasm kernel underneath; the
 * native output is the one training goes on with. Catches, in a real step, what isolated calls cannot:
 * an input read through a stale offset or aliased memory, a reordered filter kept for a changed
 * tensor, an attribute the addon does not implement, an input written by the addon. Returns restore().
 */
function checkEveryNativeCall(stats: CheckedCalls): () => void {
  setNativeKernelsActive(false);
  const wasmFns = new Map(NATIVE_KERNEL_NAMES.map((n) => [n, tf.getKernel(n, 'wasm')!.kernelFunc]));
  setNativeKernelsActive(true);
  for (const name of NATIVE_KERNEL_NAMES) {
    const native = tf.getKernel(name, 'wasm')!.kernelFunc;
    const wasm = wasmFns.get(name)!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const backend = args.backend as unknown as { readSync(id: tf.DataId): unknown; disposeData(id: tf.DataId): void };
        const inputs = Object.values(args.inputs) as tf.TensorInfo[];
        const before = inputs.map((t) => heapCopy(backend, t));
        const out = native(args) as tf.TensorInfo;
        const got = heapCopy(backend, out);
        if (inputs.some((t, i) => !heapCopy(backend, t).every((v, k) => Object.is(v, before[i][k])))) stats.inputsChanged.push(name);
        const ref = wasm(args) as tf.TensorInfo;
        const err = relErr(got, heapCopy(backend, ref));
        backend.disposeData(ref.dataId);
        stats.calls[name] = (stats.calls[name] ?? 0) + 1;
        stats.worst[name] = Math.max(stats.worst[name] ?? 0, Number.isNaN(err) ? Infinity : err);
        return out;
      },
    });
  }
  return () => setNativeKernelsActive(true);
}

test('smoke pretraining with the local loss: every native call equals the wasm kernel on the same heap inputs', { skip }, async () => {
  const run = async (checked: CheckedCalls | null): Promise<{ losses: number[]; counts: number[] }> => {
    await tf.setBackend('wasm');
    setNativeKernelsActive(checked != null);
    const restore = checked ? checkEveryNativeCall(checked) : () => setNativeKernelsActive(true);
    try {
      const w = TestWriter.temp();
      const counts: number[] = [];
      const c = tinyConfig((c) => {
        c.backend = 'wasm';
        c.pretrain.epochs = 4;
        c.ssl.local.enabled = true;
      });
      const r = await pretrain(c, { writer: w, configHash: 'h', onStep: () => counts.push(tf.memory().numTensors) });
      assert.equal(r.status, 'completed');
      return { losses: w.scalars('loss/total').map((x) => x[1]), counts };
    } finally {
      restore();
    }
  };
  const wasm = await run(null);
  const stats: CheckedCalls = { calls: {}, worst: {}, inputsChanged: [] };
  const native = await run(stats);
  assert.ok(native.losses.length >= 10 && native.losses.every(Number.isFinite), `losses ${native.losses}`);
  assert.deepEqual(stats.inputsChanged, [], 'a native call wrote into one of its inputs');
  // The small stem has no max-pool; the ResNet-18 check above covers MaxPoolGrad.
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul']) {
    assert.ok((stats.calls[k] ?? 0) > 0, `${k} never ran natively`);
    rows.push({
      shape: `smoke pretraining + local loss, ${stats.calls[k]} calls`,
      kernel: `${k} vs wasm, same inputs`,
      err: stats.worst[k],
    });
    assert.ok(stats.worst[k] < TOL, `${k}: a call differs from the wasm kernel on the same inputs by ${stats.worst[k]}`);
  }
  // Steps 1-2 come before any ReLU can flip (see the comment above the MoCo-only test); later steps are chaotic.
  const early = Math.max(...[0, 1].map((i) => Math.abs(native.losses[i] - wasm.losses[i]) / Math.abs(wasm.losses[i])));
  rows.push({ shape: 'smoke pretraining + local loss, steps 1-2', kernel: 'loss/total vs wasm kernels', err: early });
  assert.ok(early < TOL, `losses of steps 1-2 differ: native ${native.losses.slice(0, 2)} vs wasm ${wasm.losses.slice(0, 2)}`);
  assert.ok(
    native.counts.every((n) => n === native.counts[0]),
    `tensor counts ${native.counts}`,
  );
});
