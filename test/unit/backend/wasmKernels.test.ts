// Gradient checks of the replacement wasm training kernels against the pure-JS `cpu` backend, and
// a leak check over repeated gradient steps. Prints a compact table (case, kernel, relative error).
// The wasm kernels themselves are checked here: keep the native (oneDNN) ones out of the way.
process.env.MEDSSL_NATIVE = '0';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend, registerWasmTrainingKernels } from '../../../src/core/backend/wasm/init';
import {
  setBackpropFilterChunkLimit,
  setBackpropFilterPhaseSplit,
  usesPhaseSplit,
} from '../../../src/core/backend/wasm/kernels/conv2DBackpropFilter';
import { convGeom } from '../../../src/core/backend/wasm/kernels/convInfo';
import { ResNetEncoder } from '../../../src/core/models/resnet';
import { checkAll, MATMUL_CASES, matMulWithGrads, Mulberry, on, relErr, type CheckRow } from './kernelCheck';

const TOL = 1e-4;
const rows: CheckRow[] = [];
const random = new Mulberry(12345);
const rnd = (n: number): Float32Array => random.floats(n);
const check = (shape: string, kernels: string[], got: Float32Array[], ref: Float32Array[]): void =>
  checkAll(rows, TOL, shape, kernels, got, ref);
async function both(shape: string, kernels: string[], f: () => tf.Tensor[]): Promise<void> {
  const c = await on('cpu', f);
  const w = await on('wasm', f);
  check(shape, kernels, w, c);
}

before(async () => {
  await initWasmBackend();
});
after(async () => {
  await tf.setBackend('wasm');
  const w = Math.max(...rows.map((r) => r.shape.length), 5);
  const lines = [`${'case'.padEnd(w)}  ${'kernel'.padEnd(36)}  rel.err`];
  for (const r of rows) lines.push(`${r.shape.padEnd(w)}  ${r.kernel.padEnd(36)}  ${r.err.toExponential(2)}`);
  console.log(lines.join('\n'));
});

test('registers the training kernels idempotently', () => {
  const a = registerWasmTrainingKernels();
  const b = registerWasmTrainingKernels();
  assert.deepEqual(a, b);
  for (const k of [
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'BatchMatMul',
    'Slice',
    'Tile',
    'MaxPoolGrad',
    'UnsortedSegmentSum',
    'DepthwiseConv2dNativeBackpropFilter',
  ]) {
    assert.ok(a.includes(k), k);
    assert.ok(tf.getKernel(k, 'wasm'), k);
  }
});

// [batch, h, w, cin, k, cout, stride, pad]
const convCases: [number, number, number, number, number, number, number, 'same' | 'valid'][] = [
  [1, 9, 7, 3, 3, 5, 1, 'same'],
  [2, 9, 7, 3, 3, 5, 2, 'same'],
  [3, 8, 8, 4, 3, 6, 2, 'valid'],
  [4, 11, 13, 2, 7, 4, 2, 'same'],
  [2, 15, 15, 1, 7, 8, 2, 'valid'],
  [2, 8, 8, 3, 1, 4, 2, 'same'],
  [3, 7, 5, 6, 1, 3, 1, 'valid'],
  [4, 5, 5, 3, 3, 2, 1, 'valid'],
  [1, 16, 16, 8, 3, 8, 2, 'same'],
  [2, 13, 9, 5, 7, 3, 1, 'same'],
  [1, 4, 4, 16, 3, 16, 1, 'same'],
  [2, 3, 3, 8, 3, 4, 2, 'same'],
];

test('conv2d gradients (Conv2DBackpropInput, Conv2DBackpropFilter) match cpu', async () => {
  for (const [n, h, w, ci, k, co, s, pad] of convCases) {
    const xa = rnd(n * h * w * ci),
      wa = rnd(k * k * ci * co),
      ra = rnd(n * h * w * co);
    const f = (): tf.Tensor[] => {
      const x = tf.tensor4d(xa, [n, h, w, ci]),
        W = tf.tensor4d(wa, [k, k, ci, co]);
      const loss = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor => {
        const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, pad);
        return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
      };
      return tf.grads(loss)([x, W]);
    };
    await both(`x${n}x${h}x${w}x${ci} k${k} s${s} ${pad}`, ['Conv2DBackpropInput', 'Conv2DBackpropFilter'], f);
  }
});

test('Conv2DBackpropFilter split into batch chunks matches cpu', async () => {
  const prev = setBackpropFilterChunkLimit(600); // forces one sample per chunk below
  try {
    for (const [n, h, w, ci, k, co, s, pad] of [
      [3, 7, 6, 2, 3, 4, 1, 'same'],
      [4, 9, 9, 2, 3, 3, 2, 'valid'],
    ] as const) {
      const xa = rnd(n * h * w * ci),
        wa = rnd(k * k * ci * co),
        ra = rnd(n * h * w * co);
      await both(`x${n}x${h}x${w}x${ci} k${k} s${s} ${pad} chunked`, ['Conv2DBackpropFilter'], () => {
        const x = tf.tensor4d(xa, [n, h, w, ci]);
        const loss = (ww: tf.Tensor): tf.Tensor => {
          const y = tf.conv2d(x, ww as tf.Tensor4D, s, pad);
          return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
        };
        return [tf.grad(loss)(tf.tensor4d(wa, [k, k, ci, co]))];
      });
    }
  } finally {
    setBackpropFilterChunkLimit(prev);
  }
});

test('Conv2DBackpropFilter with and without the stride phase split matches cpu (stride 2 and 3)', async () => {
  // [batch, h, w, cin, k, cout, stride, pad]: odd sizes, kernels 1/3/7, the 1-channel 7x7 stem shape.
  const cases: [number, number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 9, 7, 3, 3, 5, 2, 'same'],
    [3, 8, 8, 4, 3, 6, 2, 'valid'],
    [4, 11, 13, 2, 7, 4, 2, 'same'],
    [2, 15, 15, 1, 7, 8, 2, 'valid'],
    [2, 8, 8, 3, 1, 4, 2, 'same'],
    [1, 16, 16, 8, 3, 8, 2, 'same'],
    [2, 3, 3, 8, 3, 4, 2, 'same'],
    [2, 17, 14, 2, 3, 3, 3, 'same'],
    [1, 20, 20, 1, 7, 4, 2, 'same'],
  ];
  for (const mode of ['always', 'never'] as const) {
    const prev = setBackpropFilterPhaseSplit(mode);
    try {
      for (const [n, h, w, ci, k, co, s, pad] of cases) {
        const xa = rnd(n * h * w * ci),
          wa = rnd(k * k * ci * co),
          ra = rnd(n * h * w * co);
        await both(`x${n}x${h}x${w}x${ci} k${k} s${s} ${pad} split:${mode}`, ['Conv2DBackpropFilter'], () => {
          const x = tf.tensor4d(xa, [n, h, w, ci]);
          const loss = (ww: tf.Tensor): tf.Tensor => {
            const y = tf.conv2d(x, ww as tf.Tensor4D, s, pad);
            return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
          };
          return [tf.grad(loss)(tf.tensor4d(wa, [k, k, ci, co]))];
        });
      }
    } finally {
      setBackpropFilterPhaseSplit(prev);
    }
  }
  // Chunked over the batch and phase-split together.
  const prevChunk = setBackpropFilterChunkLimit(49 * 8 * 8 + 1);
  const prevSplit = setBackpropFilterPhaseSplit('always');
  try {
    const [n, h, w, ci, k, co, s] = [3, 16, 15, 1, 7, 4, 2];
    const xa = rnd(n * h * w * ci),
      wa = rnd(k * k * ci * co),
      ra = rnd(n * h * w * co);
    await both(`x${n}x${h}x${w}x${ci} k${k} s${s} same split+chunked`, ['Conv2DBackpropFilter'], () => {
      const x = tf.tensor4d(xa, [n, h, w, ci]);
      const loss = (ww: tf.Tensor): tf.Tensor => {
        const y = tf.conv2d(x, ww as tf.Tensor4D, s, 'same');
        return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
      };
      return [tf.grad(loss)(tf.tensor4d(wa, [k, k, ci, co]))];
    });
  } finally {
    setBackpropFilterChunkLimit(prevChunk);
    setBackpropFilterPhaseSplit(prevSplit);
  }
});

test('the stride phase split is chosen for stride > 1 with more than 9 taps only (auto)', () => {
  const g = (k: number, s: number): ReturnType<typeof convGeom> =>
    convGeom([2, 32, 32, 4], [k, k, 4, 8], [s, s], [1, 1], 'same', undefined, 'NHWC');
  assert.equal(usesPhaseSplit(g(7, 2)), true, '7x7 stride 2 (the stem)');
  assert.equal(usesPhaseSplit(g(3, 2)), false, '3x3 stride 2');
  assert.equal(usesPhaseSplit(g(1, 2)), false, '1x1 stride 2');
  assert.equal(usesPhaseSplit(g(7, 1)), false, '7x7 stride 1');
  const prev = setBackpropFilterPhaseSplit('always');
  try {
    assert.equal(usesPhaseSplit(g(3, 2)), true);
    assert.equal(usesPhaseSplit(g(3, 1)), false, 'stride 1 never splits');
  } finally {
    setBackpropFilterPhaseSplit(prev);
  }
});

/** Zero-inserted filter: a dilated conv equals an undilated conv with this filter. */
function dilateFilter(wa: Float32Array, k: number, ci: number, co: number, d: number): { data: Float32Array; ke: number } {
  const ke = (k - 1) * d + 1;
  const out = new Float32Array(ke * ke * ci * co);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) out.set(wa.subarray((a * k + b) * ci * co, (a * k + b + 1) * ci * co), (a * d * ke + b * d) * ci * co);
  return { data: out, ke };
}

test('dilated conv kernels (dilation 2, direct kernel calls) match cpu', async () => {
  const cases: [number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 11, 9, 3, 3, 4, 'same'],
    [1, 12, 12, 2, 3, 5, 'valid'],
    [3, 9, 13, 2, 7, 3, 'same'],
  ];
  for (const [n, h, w, ci, k, co, pad] of cases) {
    const d = 2;
    const xa = rnd(n * h * w * ci),
      wa = rnd(k * k * ci * co);
    const { data: wd, ke } = dilateFilter(wa, k, ci, co, d);
    await tf.setBackend('cpu');
    const oshape = tf.conv2d(tf.zeros([n, h, w, ci]) as tf.Tensor4D, tf.zeros([ke, ke, ci, co]) as tf.Tensor4D, 1, pad).shape;
    const dya = rnd(oshape[0] * oshape[1] * oshape[2] * oshape[3]);
    // Reference on cpu: undilated kernels with the zero-inserted filter.
    const ref = await on('cpu', () => {
      const x = tf.tensor(xa, [n, h, w, ci]),
        dy = tf.tensor(dya, oshape);
      const dx = tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy, filter: tf.tensor(wd, [ke, ke, ci, co]) },
          { strides: [1, 1], pad, dataFormat: 'NHWC', inputShape: [n, h, w, ci] },
        ) as tf.Tensor;
      const dwFull = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: [1, 1], pad, dataFormat: 'NHWC', filterShape: [ke, ke, ci, co] },
        ) as tf.Tensor;
      const dwSub = tf.stridedSlice(dwFull, [0, 0, 0, 0], [ke, ke, ci, co], [d, d, 1, 1]);
      return [dx, dwSub];
    });
    const got = await on('wasm', () => {
      const x = tf.tensor(xa, [n, h, w, ci]),
        dy = tf.tensor(dya, oshape);
      const dx = tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy, filter: tf.tensor(wa, [k, k, ci, co]) },
          { strides: [1, 1], pad, dataFormat: 'NHWC', inputShape: [n, h, w, ci], dilations: [d, d] },
        ) as tf.Tensor;
      const dw = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: [1, 1], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co], dilations: [d, d] },
        ) as tf.Tensor;
      return [dx, dw];
    });
    check(`x${n}x${h}x${w}x${ci} k${k} d${d} ${pad}`, ['Conv2DBackpropInput', 'Conv2DBackpropFilter'], got, ref);
  }
});

test('depthwise conv gradients match cpu (stride 1/2, dilation 1/2)', async () => {
  const cases: [number, number, number, number, number, number, number, number, 'same' | 'valid'][] = [
    // n, h, w, c, k, mult, stride, dilation, pad
    [2, 9, 7, 3, 3, 2, 1, 1, 'same'],
    [3, 10, 10, 4, 3, 1, 2, 1, 'valid'],
    [1, 11, 11, 2, 7, 2, 2, 1, 'same'],
    [2, 9, 9, 3, 3, 1, 1, 2, 'same'],
    [1, 12, 10, 2, 3, 2, 1, 2, 'valid'],
  ];
  for (const [n, h, w, c, k, m, s, d, pad] of cases) {
    const xa = rnd(n * h * w * c),
      wa = rnd(k * k * c * m);
    // The cpu kernels ignore dilation inside their loops: the reference uses the zero-inserted filter.
    const { data: wd, ke } = dilateFilter(wa, k, c, m, d);
    await tf.setBackend('cpu');
    const oshape = tf.depthwiseConv2d(
      tf.zeros([n, h, w, c]) as tf.Tensor4D,
      tf.zeros([k, k, c, m]) as tf.Tensor4D,
      s,
      pad,
      'NHWC',
      d,
    ).shape;
    const dya = rnd(oshape.reduce((p, q) => p * q, 1));
    const ref = await on('cpu', () => {
      const x = tf.tensor(xa, [n, h, w, c]),
        dy = tf.tensor(dya, oshape),
        W = tf.tensor(wd, [ke, ke, c, m]);
      const attrs = { strides: [s, s], pad, dilations: [1, 1], dimRoundingMode: undefined as unknown as string };
      const dWFull = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: [ke, ke, c, m] }) as tf.Tensor;
      const dX = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: W }, { ...attrs, inputShape: [n, h, w, c] }) as tf.Tensor;
      return [tf.stridedSlice(dWFull, [0, 0, 0, 0], [ke, ke, c, m], [d, d, 1, 1]), dX];
    });
    const got = await on('wasm', () => {
      const x = tf.tensor(xa, [n, h, w, c]),
        dy = tf.tensor(dya, oshape),
        W = tf.tensor(wa, [k, k, c, m]);
      const attrs = { strides: [s, s], pad, dilations: [d, d], dimRoundingMode: undefined as unknown as string };
      const dW = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: [k, k, c, m] }) as tf.Tensor;
      const dX = tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: W }, { ...attrs, inputShape: [n, h, w, c] }) as tf.Tensor;
      return [dW, dX];
    });
    check(
      `x${n}x${h}x${w}x${c} k${k}m${m} s${s} d${d} ${pad}`,
      ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
      got,
      ref,
    );
  }
});

test('matMul gradients with transposes and batch > 1 (BatchMatMul) match cpu', async () => {
  for (const mc of MATMUL_CASES) {
    const { label, f } = matMulWithGrads(mc, rnd);
    random.seed = 777; // same r on both backends
    const c = await on('cpu', f);
    random.seed = 777;
    const w = await on('wasm', f);
    check(label, ['BatchMatMul', 'BatchMatMul (grad a)', 'BatchMatMul (grad b)'], w, c);
  }
  // Broadcast batch (forward only: tfjs-core's matMul gradient does not reduce broadcast batch dims).
  const a3 = rnd(4 * 6 * 5),
    b3 = rnd(5 * 3),
    c3 = rnd(72);
  await both('[4,6,5]x[5,3]T bcast', ['BatchMatMul'], () => [tf.matMul(tf.tensor(a3, [4, 6, 5]), tf.tensor(b3, [3, 5]), false, true)]);
  await both('[1,6,5]Tx[4,6,3] bcast', ['BatchMatMul'], () => [
    tf.matMul(tf.tensor(a3.subarray(0, 30), [1, 6, 5]), tf.tensor(c3, [4, 6, 3]), true, false),
  ]);
});

test('slice and tile (forward and gradient) match cpu', async () => {
  const xa = rnd(3 * 7 * 5 * 4);
  await both('x3x7x5x4 slice', ['Slice', 'Slice (grad)'], () => {
    const x = tf.tensor(xa, [3, 7, 5, 4]);
    const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.slice(t, [1, 2, 0, 1], [2, 4, 5, 2])));
    return [tf.slice(x, [1, 2, 0, 1], [2, 4, -1, 2]), tf.grad(f)(x)];
  });
  await both('x3x7x5x4 slice rows', ['Slice'], () => [tf.slice(tf.tensor(xa, [3, 7, 5, 4]), [1, 0, 0, 0], [2, 7, 5, 4])]);
  await both('x2x3x5 tile [2,1,3]', ['Tile', 'Tile (grad)'], () => {
    const x = tf.tensor(xa.subarray(0, 30), [2, 3, 5]);
    const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.tile(t, [2, 1, 3])));
    return [tf.tile(x, [2, 1, 3]), tf.grad(f)(x)];
  });
  await both('x1x1x1x6 tile [4,5,3,1]', ['Tile'], () => [tf.tile(tf.tensor(xa.subarray(0, 6), [1, 1, 1, 6]), [4, 5, 3, 1])]);
});

test('maxPool gradient (MaxPoolGrad) matches cpu, including all-zero windows after ReLU', async () => {
  const cases: [number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 9, 9, 3, 3, 2, 'same'],
    [3, 8, 8, 4, 2, 2, 'valid'],
    [1, 11, 7, 2, 3, 1, 'same'],
    [4, 16, 16, 5, 3, 2, 'same'],
  ];
  for (const [n, h, w, c, k, s, pad] of cases) {
    const xa = rnd(n * h * w * c);
    // Many negative values: after ReLU, many windows are all zero.
    for (let i = 0; i < xa.length; i++) xa[i] -= 0.6;
    const ra = rnd(n * h * w * c);
    await both(`x${n}x${h}x${w}x${c} k${k} s${s} ${pad}`, ['MaxPoolGrad'], () => {
      const x = tf.tensor4d(xa, [n, h, w, c]);
      const f = (t: tf.Tensor): tf.Tensor => {
        const y = tf.maxPool(tf.relu(t) as tf.Tensor4D, k, s, pad);
        return tf.sum(tf.mul(y, tf.tensor(ra.subarray(0, y.size), y.shape)));
      };
      return [tf.grad(f)(x)];
    });
  }
});

test('gather gradient (UnsortedSegmentSum) with duplicate indices matches cpu', async () => {
  const pa = rnd(10 * 6);
  const idx = [3, 1, 3, 9, 0, 3, 1];
  const ra = rnd(7 * 6);
  await both('params 10x6, 7 idx (dups)', ['UnsortedSegmentSum'], () => {
    const p = tf.tensor(pa, [10, 6]);
    const r = tf.tensor(ra, [7, 6]);
    const f = (t: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), r));
    return [tf.grad(f)(p)];
  });
  await both('x7x3 segments 4', ['UnsortedSegmentSum (direct)'], () => [
    tf.unsortedSegmentSum(tf.tensor(pa.subarray(0, 21), [7, 3]), tf.tensor1d([0, 2, 2, 3, 0, 1, 3], 'int32'), 4),
  ]);
  await both('x5x2 ids out of range dropped', ['UnsortedSegmentSum (ids < 0 or >= n)'], () => [
    tf.unsortedSegmentSum(tf.tensor(pa.subarray(0, 10), [5, 2]), tf.tensor1d([0, -1, 2, 7, 0], 'int32'), 3),
  ]);
  await both('int32 x6 segments 3', ['UnsortedSegmentSum (int32)'], () => [
    tf.cast(tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5, 6], 'int32'), tf.tensor1d([2, 0, 2, 1, 0, 2], 'int32'), 3), 'float32'),
  ]);
});

test('Identity shares data and keeps reference counts right', async () => {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const a = tf.tensor([1, 2, 3]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  const v = tf.variable(b);
  b.dispose();
  const c = tf.tensor([4, 5, 6]);
  v.assign(c);
  c.dispose();
  assert.deepEqual(Array.from(v.dataSync()), [4, 5, 6]);
  v.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("every parameter gradient of the product's ResNet-18 encoder matches cpu", async () => {
  // Small widths and input so that the cpu reference stays fast; same architecture and kernels.
  const n = 2,
    size = 33;
  const xa = rnd(n * size * size);
  const grads = async (backend: string): Promise<Map<string, Float32Array>> => {
    await tf.setBackend(backend);
    const enc = new ResNetEncoder({ depth: 18, widths: [4, 8, 8, 16], inChannels: 1, seed: 3 });
    enc.train();
    const named = enc.namedVariables('param');
    const vars = named.map((e) => e.variable);
    const x = tf.tensor4d(xa, [n, size, size, 1]);
    const { value, grads: g } = tf.variableGrads(() => {
      const out = enc.forward(x);
      const loss = tf.sum(tf.mul(out.pooled, tf.linspace(-1, 1, out.pooled.size).reshape(out.pooled.shape))) as tf.Scalar;
      tf.dispose([out.stem, ...out.stages]);
      return loss;
    }, vars);
    const m = new Map<string, Float32Array>();
    for (const e of named) m.set(e.name, Float32Array.from(g[e.variable.name].dataSync() as Float32Array));
    tf.dispose([value, x, ...Object.values(g)]);
    enc.dispose();
    return m;
  };
  const c = await grads('cpu');
  const w = await grads('wasm');
  assert.equal(w.size, c.size);
  assert.ok(c.size >= 60, `expected >= 60 parameter tensors, got ${c.size}`);
  let worst = 0,
    worstName = '';
  for (const [name, ref] of c) {
    const got = w.get(name);
    assert.ok(got, `wasm has no gradient for ${name}`);
    const e = relErr(got, ref);
    if (e > worst) {
      worst = e;
      worstName = name;
    }
  }
  rows.push({ shape: `ResNet-18 4-8-8-16 x${n}x${size}x${size}x1`, kernel: `all ${c.size} param grads (worst ${worstName})`, err: worst });
  assert.ok(worst < TOL, `worst parameter gradient ${worstName}: relative error ${worst}`);
});

test('tensor count does not grow over repeated gradient steps', async () => {
  await tf.setBackend('wasm');
  const W1 = tf.variable(tf.randomNormal([3, 3, 2, 8], 0, 0.3));
  const W2 = tf.variable(tf.randomNormal([3, 3, 8, 8], 0, 0.3));
  const D = tf.variable(tf.randomNormal([8, 5], 0, 0.3));
  const x = tf.randomNormal([4, 15, 15, 2]);
  const emb = tf.variable(tf.randomNormal([10, 8]));
  const optimizer = tf.train.momentum(0.01, 0.9);
  const step = (): void => {
    const cost = optimizer.minimize(() => {
      let h = tf.relu(tf.conv2d(x as tf.Tensor4D, W1 as tf.Tensor4D, 2, 'same'));
      h = tf.maxPool(h, 3, 2, 'same');
      h = tf.relu(tf.conv2d(h, W2 as tf.Tensor4D, 1, 'same'));
      const g = tf.mean(h, [1, 2]);
      const e = tf.gather(emb, tf.tensor1d([1, 3, 3, 7], 'int32'));
      const s = tf.slice(tf.add(g, e), [0, 0], [4, 8]);
      const logits = tf.matMul(s, D);
      return tf.mean(tf.square(logits));
    }, true);
    cost?.dispose();
  };
  step();
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  const afterCount = tf.memory().numTensors;
  assert.equal(afterCount, before, `tensor count grew from ${before} to ${afterCount}`);
  tf.dispose([W1, W2, D, x, emb]);
  optimizer.dispose();
});
