/**
 * The safetensors file format, written and read here (no dependency: the format is three parts):
 *   8 bytes   header length N, unsigned 64-bit little-endian
 *   N bytes   JSON: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
 *             "__metadata__": { "<key>": "<string value>" } }, padded with spaces to a multiple of 8
 *   the rest  raw little-endian tensor data; offsets are relative to the end of the header
 * Tensors are laid out in name order (what the reference writer does), so the same tensors give the
 * same bytes. Reading checks every offset against the file so a truncated file is named, never half-read.
 */
import * as fs from 'node:fs';

export type SafeDType = 'F32' | 'F64' | 'I64' | 'I32' | 'F16' | 'BF16' | 'U8' | 'I8' | 'I16' | 'BOOL';

const BYTES: Record<SafeDType, number> = { F32: 4, F64: 8, I64: 8, I32: 4, F16: 2, BF16: 2, U8: 1, I8: 1, I16: 2, BOOL: 1 };

/** A tensor to write: float32 values, or int64 values given as bigints (e.g. num_batches_tracked). */
export interface SafeTensorIn {
  name: string;
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** A tensor read back: its raw little-endian bytes and, for the float types we can use, float32 values. */
export interface SafeTensorOut {
  dtype: SafeDType;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensorOut>;
  metadata: Record<string, string>;
}

const product = (shape: number[]): number => shape.reduce((a, c) => a * c, 1);

/** Serialises tensors and a string metadata map to the bytes of a .safetensors file. */
export function encodeSafetensors(tensors: SafeTensorIn[], metadata: Record<string, string> = {}): Buffer {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of sorted) {
    if (t.name === '__metadata__' || t.name in header) throw new Error(`safetensors: duplicate or reserved tensor name '${t.name}'`);
    if (product(t.shape) !== t.data.length) throw new Error(`safetensors: '${t.name}' has ${t.data.length} values but shape [${t.shape}]`);
    const dtype: SafeDType = t.data instanceof Float32Array ? 'F32' : 'I64';
    // Copy: the view may be unaligned or share a larger buffer; Node and every target are little-endian.
    const bytes = Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  return Buffer.concat([len, head, ...chunks]);
}

/** Parses a .safetensors file; `file` names it in every error. */
export function decodeSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.byteLength < 8) throw new Error(`${file}: not a safetensors file (${b.byteLength} bytes, shorter than its 8-byte header length)`);
  const n = b.readBigUInt64LE(0);
  if (n > BigInt(b.byteLength - 8))
    throw new Error(`${file}: truncated or not a safetensors file (header length ${n} exceeds the file's ${b.byteLength} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(b.subarray(8, 8 + Number(n)).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: not a safetensors file (its header is not JSON: ${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new Error(`${file}: not a safetensors file (its header is not a JSON object)`);
  const dataStart = 8 + Number(n);
  const dataLen = b.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafeTensorOut>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, s] of Object.entries((v ?? {}) as Record<string, unknown>)) metadata[k] = String(s);
      continue;
    }
    const e = v as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const dtype = e.dtype as SafeDType;
    if (!(dtype in BYTES)) throw new Error(`${file}: tensor '${name}' has an unknown dtype '${String(e.dtype)}'`);
    const shape = e.shape;
    const off = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || !Array.isArray(off) || off.length !== 2) {
      throw new Error(`${file}: tensor '${name}' has an invalid shape or data_offsets`);
    }
    const [begin, end] = off as number[];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end >= begin))
      throw new Error(`${file}: tensor '${name}' has invalid data_offsets [${off.join(', ')}]`);
    if (end > dataLen) throw new Error(`${file}: truncated (tensor '${name}' ends at byte ${end} of the data, which has ${dataLen})`);
    if (end - begin !== product(shape as number[]) * BYTES[dtype]) {
      throw new Error(
        `${file}: tensor '${name}' holds ${end - begin} bytes, but ${dtype} [${shape.join(', ')}] needs ${product(shape as number[]) * BYTES[dtype]}`,
      );
    }
    tensors.set(name, { dtype, shape: shape as number[], bytes: new Uint8Array(b.buffer, b.byteOffset + dataStart + begin, end - begin) });
  }
  return { tensors, metadata };
}

/** The values of a floating-point tensor as float32 (F32, F64 and F16 are read; other types are an error naming the tensor). */
export function floatValues(t: SafeTensorOut, name: string, file: string): Float32Array {
  const n = product(t.shape);
  const copy = t.bytes.slice(); // aligned
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(copy.buffer, 0, n);
    case 'F64':
      return Float32Array.from(new Float64Array(copy.buffer, 0, n));
    case 'F16': {
      const dv = new DataView(copy.buffer);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return out;
    }
    default:
      throw new Error(`${file}: tensor '${name}' is ${t.dtype}; weights must be F32, F64 or F16`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Reads only the header of a .safetensors file (names, dtypes, shapes; no tensor data): for checks before a run. */
export function readSafetensorsHeader(file: string): Map<string, { dtype: string; shape: number[] }> {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const len = Buffer.alloc(8);
    if (size < 8 || fs.readSync(fd, len, 0, 8, 0) !== 8) throw new Error(`${file}: not a safetensors file (${size} bytes)`);
    const n = len.readBigUInt64LE(0);
    if (n > BigInt(Math.min(size - 8, 100 * 1024 * 1024)))
      throw new Error(`${file}: truncated or not a safetensors file (header length ${n}, file ${size} bytes)`);
    const head = Buffer.alloc(Number(n));
    fs.readSync(fd, head, 0, head.byteLength, 8);
    // The data part is not read: decode a header-only copy whose offsets are checked against the real size.
    const out = new Map<string, { dtype: string; shape: number[] }>();
    let parsed: Record<string, { dtype?: string; shape?: number[]; data_offsets?: number[] }>;
    try {
      parsed = JSON.parse(head.toString('utf8')) as typeof parsed;
    } catch (e) {
      throw new Error(`${file}: not a safetensors file (its header is not JSON: ${(e as Error).message})`);
    }
    for (const [name, e] of Object.entries(parsed)) {
      if (name === '__metadata__') continue;
      if (!Array.isArray(e?.shape) || !Array.isArray(e.data_offsets))
        throw new Error(`${file}: tensor '${name}' has an invalid shape or data_offsets`);
      if (e.data_offsets[1] > size - 8 - Number(n))
        throw new Error(
          `${file}: truncated (tensor '${name}' ends at byte ${e.data_offsets[1]} of the data, which has ${size - 8 - Number(n)})`,
        );
      out.set(name, { dtype: String(e.dtype), shape: e.shape });
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
