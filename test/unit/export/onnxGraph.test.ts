// The ONNX graph builder and schema: what it writes decodes back through the same descriptor with the
// ONNX field meanings (names, dims, raw little-endian data, typed attributes, symbolic dimensions,
// opset, metadata), onnxruntime runs it, and misuse is refused with a message naming the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxGraph } from '../../../src/core/export/onnx/graph';
import { AttributeType, DataType, modelProto } from '../../../src/core/export/onnx/schema';
import { ortMissing, runOnnx } from './onnxRuntime';

interface Decoded {
  irVersion: number;
  producerName: string;
  opsetImport: Array<{ domain: string; version: number }>;
  metadataProps: Array<{ key: string; value: string }>;
  graph: {
    name: string;
    node: Array<{ name: string; opType: string; input: string[]; output: string[]; attribute: Array<Record<string, unknown>> }>;
    initializer: Array<{ name: string; dims: number[]; dataType: number; rawData: Uint8Array }>;
    input: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: Array<Record<string, unknown>> } } } }>;
    output: Array<{ name: string }>;
  };
}

function tiny(): { g: OnnxGraph; bytes: Buffer } {
  const g = new OnnxGraph();
  const x = g.input('x', ['N', 2]);
  const w = g.float('w', [2], new Float32Array([2, -0.5]));
  const y = g.node('Mul', [x, w], {}, 'scale');
  const z = g.node('LeakyRelu', [y], { alpha: { float: 0.25 } }, 'act');
  const s = g.node('ReduceSum', [z, g.int64('axes', [1])], { keepdims: 0 }, 'sum');
  g.output(s, 'y', ['N']);
  return {
    g,
    bytes: g.encode({
      graphName: 'tiny',
      producerVersion: '0.0.0',
      docString: 'test',
      metadata: { run_id: 'r1', class_names: '["a","b"]' },
    }),
  };
}

test('onnx graph: the bytes decode back with the ONNX field meanings', () => {
  const { g, bytes } = tiny();
  const T = modelProto();
  const d = T.toObject(T.decode(bytes), { longs: Number, defaults: true }) as Decoded;
  assert.equal(d.irVersion, 8);
  assert.equal(d.producerName, 'medssl-studio');
  assert.deepEqual(d.opsetImport, [{ domain: '', version: 17 }]);
  assert.deepEqual(d.metadataProps, [
    { key: 'run_id', value: 'r1' },
    { key: 'class_names', value: '["a","b"]' },
  ]);
  assert.deepEqual(
    d.graph.node.map((n) => [n.opType, n.input, n.output]),
    [
      ['Mul', ['x', 'w'], ['scale']],
      ['LeakyRelu', ['scale'], ['act']],
      ['ReduceSum', ['act', 'axes'], ['sum']],
      ['Identity', ['sum'], ['y']],
    ],
  );
  assert.deepEqual(g.opTypes(), ['Mul', 'LeakyRelu', 'ReduceSum', 'Identity']);
  const alpha = d.graph.node[1].attribute[0];
  assert.equal(alpha.name, 'alpha');
  assert.equal(alpha.type, AttributeType.FLOAT);
  assert.equal(alpha.f, 0.25);
  const keep = d.graph.node[2].attribute[0];
  assert.deepEqual([keep.name, keep.type, keep.i], ['keepdims', AttributeType.INT, 0]);
  const [w, axes] = d.graph.initializer;
  assert.deepEqual([w.name, w.dims, w.dataType], ['w', [2], DataType.FLOAT]);
  assert.deepEqual([...new Float32Array(new Uint8Array(w.rawData).buffer)], [2, -0.5]);
  assert.deepEqual([axes.name, axes.dims, axes.dataType], ['axes', [1], DataType.INT64]);
  assert.deepEqual([...new BigInt64Array(new Uint8Array(axes.rawData).buffer)], [1n]);
  assert.deepEqual(
    d.graph.input[0].type.tensorType.shape.dim.map((x) => x.dimParam || x.dimValue),
    ['N', 2],
  );
  assert.equal(d.graph.input[0].type.tensorType.elemType, DataType.FLOAT);
  assert.deepEqual(
    d.graph.output.map((o) => o.name),
    ['y'],
  );
});

test('onnx graph: onnxruntime runs it', { skip: ortMissing() ?? false }, async () => {
  const { bytes } = tiny();
  const r = await runOnnx(bytes, { name: 'x', data: new Float32Array([1, 1, -4, 2]), dims: [2, 2] }, 'y');
  // [2, -0.5] → 2 + 0.25·(−0.5) = 1.875;  [−8, −1] → 0.25·(−9) = −2.25
  assert.deepEqual(r.dims, [2]);
  assert.deepEqual([...r.data], [1.875, -2.25]);
});

test('onnx graph: unique value names, and misuse refused with the name', () => {
  const g = new OnnxGraph();
  g.input('x', [1]);
  assert.equal(g.unique('relu'), 'relu');
  assert.equal(g.unique('relu'), 'relu_1');
  assert.equal(g.node('Relu', ['x'], {}, 'relu'), 'relu_2');
  assert.throws(() => g.input('x', [1]), /input name 'x' is taken/);
  assert.throws(() => g.float('w', [2, 2], new Float32Array(3)), /initializer 'w' has 3 values, shape \[2, 2\] needs 4/);
  assert.throws(() => g.node('LeakyRelu', ['x'], { alpha: 0.1 }), /attribute 'alpha' is 0.1: an integer, or \{ float \} for a float/);
  assert.throws(() => g.node('Conv', ['x'], { pads: [0.5] }), /attribute 'pads' must be a list of integers/);
});
