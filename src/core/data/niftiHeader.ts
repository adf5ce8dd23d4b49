/**
 * The NIfTI-1 / NIfTI-2 header: its fields, the voxel→world affine it describes, and reading it from
 * the first bytes of a file alone (gzip inflated only that far), which is how a dataset is indexed
 * without reading its volumes.
 *
 * Privacy: the free-text fields `descrip`, `aux_file` and `intent_name` are never decoded, so they
 * cannot travel further than this module.
 */
import { basename } from 'node:path';
import { constants as zc, gunzipSync } from 'node:zlib';
import { DataError } from './errors';
import { readFileHead } from './fileBytes';
import type { Affine } from './volume';

export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0] and dim[1..7] as read. */
  ndim: number;
  dims: number[];
  datatype: number;
  bitpix: number;
  /** pixdim[0] (qfac) and pixdim[1..7]. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: [number[], number[], number[]];
  /** xyzt_units: spatial unit code (1 m, 2 mm, 3 µm, 0 unknown). */
  spatialUnits: number;
  intentCode: number;
  magic: string;
}

export const NIFTI_DATATYPES: Record<number, { name: string; bytes: number }> = {
  2: { name: 'uint8', bytes: 1 },
  4: { name: 'int16', bytes: 2 },
  8: { name: 'int32', bytes: 4 },
  16: { name: 'float32', bytes: 4 },
  64: { name: 'float64', bytes: 8 },
  256: { name: 'int8', bytes: 1 },
  512: { name: 'uint16', bytes: 2 },
  768: { name: 'uint32', bytes: 4 },
  1024: { name: 'int64', bytes: 8 },
  1280: { name: 'uint64', bytes: 8 },
};
export const UNSUPPORTED_TYPES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Parses the header of an uncompressed NIfTI-1 or NIfTI-2 byte buffer. `file` names it in errors. */
export function parseNiftiHeader(buf: Uint8Array, file = 'input'): NiftiHeader {
  if (buf.length < 348) throw new DataError(file, `not a NIfTI file: ${buf.length} bytes, shorter than a NIfTI-1 header (348 bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dv.getInt32(0, true);
  const be = dv.getInt32(0, false);
  let littleEndian: boolean;
  let version: 1 | 2;
  if (le === 348 || be === 348) {
    version = 1;
    littleEndian = le === 348;
  } else if (le === 540 || be === 540) {
    version = 2;
    littleEndian = le === 540;
  } else {
    throw new DataError(file, `not a NIfTI file: the first 4 bytes (sizeof_hdr) are ${le}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`);
  }
  const ascii = (o: number, n: number) => String.fromCharCode(...buf.subarray(o, o + n)).replace(/\0.*$/s, '');
  const i16 = (o: number) => dv.getInt16(o, littleEndian);
  const i32 = (o: number) => dv.getInt32(o, littleEndian);
  const f32 = (o: number) => dv.getFloat32(o, littleEndian);
  const f64 = (o: number) => dv.getFloat64(o, littleEndian);
  const i64 = (o: number) => Number(dv.getBigInt64(o, littleEndian));
  if (version === 1) {
    const magic = ascii(344, 4);
    if (magic !== 'n+1' && magic !== 'ni1')
      throw new DataError(file, `not a NIfTI-1 file: magic is '${magic}', expected 'n+1' (Analyze 7.5 files are not supported)`);
    const dims = Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i));
    const pixdim = Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i));
    return {
      version,
      littleEndian,
      ndim: dims[0],
      dims,
      datatype: i16(70),
      bitpix: i16(72),
      pixdim,
      voxOffset: f32(108),
      sclSlope: f32(112),
      sclInter: f32(116),
      qformCode: i16(252),
      sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)],
      qoffset: [f32(268), f32(272), f32(276)],
      srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as [number[], number[], number[]],
      spatialUnits: buf[123] & 0x07,
      intentCode: i16(68),
      magic,
    };
  }
  if (buf.length < 540) throw new DataError(file, `truncated NIfTI-2 header: ${buf.length} of 540 bytes`);
  const magic = ascii(4, 8);
  if (!magic.startsWith('n+2') && !magic.startsWith('ni2'))
    throw new DataError(file, `not a NIfTI-2 file: magic is '${magic}', expected 'n+2'`);
  const dims = Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i));
  const pixdim = Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i));
  return {
    version,
    littleEndian,
    ndim: dims[0],
    dims,
    datatype: i16(12),
    bitpix: i16(14),
    pixdim,
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    qformCode: i32(344),
    sformCode: i32(348),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))) as [number[], number[], number[]],
    spatialUnits: i32(500) & 0x07,
    intentCode: i32(504),
    magic: magic.slice(0, 3),
  };
}

/** The voxel→world (RAS+, mm) affine the header describes: sform, else qform, else pixel sizes. */
export function niftiAffine(h: NiftiHeader): { affine: Affine; source: 'sform' | 'qform' | 'pixdim' } {
  const unit = h.spatialUnits === 1 ? 1000 : h.spatialUnits === 3 ? 0.001 : 1; // to mm
  const scale = (a: Affine): Affine => a.map((row, r) => (r < 3 ? row.map((v) => v * unit) : row));
  if (h.sformCode > 0) {
    return { affine: scale([h.srow[0].slice(), h.srow[1].slice(), h.srow[2].slice(), [0, 0, 0, 1]]), source: 'sform' };
  }
  const dx = Math.abs(h.pixdim[1]) || 1;
  const dy = Math.abs(h.pixdim[2]) || 1;
  const dz = Math.abs(h.pixdim[3]) || 1;
  if (h.qformCode > 0) {
    const [b, c, d] = h.quatern;
    let a2 = 1 - (b * b + c * c + d * d);
    if (a2 < 1e-7) a2 = 0; // the quaternion is then (0, b, c, d) up to rounding, as the standard says
    const a = Math.sqrt(a2);
    const qfac = h.pixdim[0] < 0 ? -1 : 1;
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const z = [dx, dy, qfac * dz];
    const aff: Affine = [0, 1, 2].map((r) => [R[r][0] * z[0], R[r][1] * z[1], R[r][2] * z[2], h.qoffset[r]]);
    aff.push([0, 0, 0, 1]);
    return { affine: scale(aff), source: 'qform' };
  }
  return {
    affine: scale([
      [dx, 0, 0, 0],
      [0, dy, 0, 0],
      [0, 0, dz, 0],
      [0, 0, 0, 1],
    ]),
    source: 'pixdim',
  };
}

/** Bytes read to find a header: a header is 348 or 540 bytes, and 64 KiB of gzip inflates to far more. */
const HEADER_BYTES = 64 * 1024;

/** The NIfTI header of a file from its first bytes only (gzip inflated as far as those bytes go). */
export function readNiftiHeaderOnly(file: string, caseId?: string): NiftiHeader {
  const head = readFileHead(file, HEADER_BYTES, caseId);
  let buf: Uint8Array = head;
  if (isGzip(head)) {
    try {
      buf = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new DataError(basename(file), `corrupt gzip data (${(e as Error).message}); copy or export the file again`, caseId);
    }
  }
  try {
    return parseNiftiHeader(buf, basename(file));
  } catch (e) {
    if (e instanceof DataError) throw new DataError(e.file, e.reason, caseId);
    throw e;
  }
}
