import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSafetensors, encodeSafetensors, floatValues } from '../../../src/core/export/safetensors';

test('safetensors: header length, JSON header (sorted names, 8-byte aligned, metadata) and raw little-endian data round-trip', () => {
  const a = Float32Array.from([1, -2.5, 3, 4, 5, 6]);
  const buf = encodeSafetensors(
    [
      { name: 'b.weight', shape: [2, 3], data: a },
      { name: 'a.num_batches_tracked', shape: [], data: new BigInt64Array([7n]) },
    ],
    { format: 'x', config: '{"k":1}' },
  );
  const n = Number(buf.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'the data starts 8-byte aligned');
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: number[] }
  >;
  assert.deepEqual(header['a.num_batches_tracked'], { dtype: 'I64', shape: [], data_offsets: [0, 8] });
  assert.deepEqual(header['b.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [8, 32] });
  assert.deepEqual(header.__metadata__, { format: 'x', config: '{"k":1}' });
  assert.equal(buf.byteLength, 8 + n + 32);
  assert.equal(buf.readFloatLE(8 + n + 8 + 4), -2.5);
  assert.equal(buf.readBigInt64LE(8 + n), 7n);

  const back = decodeSafetensors(buf, 'x.safetensors');
  assert.deepEqual(back.metadata, { format: 'x', config: '{"k":1}' });
  assert.deepEqual([...floatValues(back.tensors.get('b.weight')!, 'b.weight', 'x')], [...a]);
  assert.deepEqual(back.tensors.get('a.num_batches_tracked')!.shape, []);
});

test('safetensors: F64 and F16 are read as float32; an integer weight is an error naming the tensor', () => {
  const head = (h: object) => {
    const j = Buffer.from(JSON.stringify(h));
    const l = Buffer.alloc(8);
    l.writeBigUInt64LE(BigInt(j.byteLength));
    return Buffer.concat([l, j]);
  };
  const f64 = Buffer.alloc(16);
  f64.writeDoubleLE(0.25, 0);
  f64.writeDoubleLE(-3, 8);
  const f16 = Buffer.from([0x00, 0x3c, 0x00, 0xc0]); // 1, -2
  const file = Buffer.concat([
    head({
      d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      h: { dtype: 'F16', shape: [2], data_offsets: [16, 20] },
      i: { dtype: 'I32', shape: [1], data_offsets: [20, 24] },
    }),
    f64,
    f16,
    Buffer.alloc(4),
  ]);
  const r = decodeSafetensors(file, 'f.safetensors');
  assert.deepEqual([...floatValues(r.tensors.get('d')!, 'd', 'f')], [0.25, -3]);
  assert.deepEqual([...floatValues(r.tensors.get('h')!, 'h', 'f')], [1, -2]);
  assert.throws(() => floatValues(r.tensors.get('i')!, 'i', 'f.safetensors'), /f\.safetensors: tensor 'i' is I32/);
});

test('safetensors: truncated or foreign files are named, never half-read', () => {
  const good = encodeSafetensors([{ name: 'w', shape: [4], data: new Float32Array(4) }]);
  assert.throws(
    () => decodeSafetensors(good.subarray(0, good.byteLength - 1), 'm.safetensors'),
    /m\.safetensors: truncated \(tensor 'w' ends at byte 16 of the data, which has 15\)/,
  );
  assert.throws(() => decodeSafetensors(Buffer.from('abc'), 'm.safetensors'), /m\.safetensors: not a safetensors file/);
  assert.throws(
    () => decodeSafetensors(Buffer.from('{"a":1}\n\n\n\n\n\n\n\n\n\n\n\n'), 'pt.bin'),
    /pt\.bin: truncated or not a safetensors file/,
  );
  const wrongSize = Buffer.from(good);
  const n = Number(wrongSize.readBigUInt64LE(0));
  const h = wrongSize
    .subarray(8, 8 + n)
    .toString()
    .replace('[4]', '[3]');
  assert.throws(
    () => decodeSafetensors(Buffer.concat([wrongSize.subarray(0, 8), Buffer.from(h), wrongSize.subarray(8 + n)]), 'm.safetensors'),
    /tensor 'w' holds 16 bytes, but F32 \[3\] needs 12/,
  );
});
