/**
 * NIfTI-1 and NIfTI-2 reader and NIfTI-1 writer (`.nii`, `.nii.gz`).
 *
 * Written here rather than on nifti-reader-js: that package is ESM-only with an import-only export
 * map, which neither our tsc-compiled CommonJS tests nor the `--no-dependencies` packaged extension can
 * load without a runtime `import()` of node_modules; the header is a fixed-offset struct, and byte
 * order, scaling and orientation have to be applied by the caller either way.
 *
 * What it does: detects the version and byte order from `sizeof_hdr` (348 or 540), decompresses gzip
 * with Node's zlib, converts every real-valued datatype to float32, applies `scl_slope`/`scl_inter`,
 * and builds the voxel→world affine from the sform (if `sform_code` > 0), else the qform (quaternion,
 * `qform_code` > 0), else the pixel sizes alone (NIfTI "method 1").
 *
 * The header (fields, affine, reading it alone) is niftiHeader.ts. Privacy (free text may hold a patient's
 * name or notes): the free-text fields `descrip`, `aux_file` and `intent_name` are never decoded, so they
 * cannot travel further.
 */
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';
import { basename } from 'node:path';
import { DataError } from './errors';
import { readFileBytes } from './fileBytes';
import { isGzip, NIFTI_DATATYPES, niftiAffine, parseNiftiHeader, UNSUPPORTED_TYPES, type NiftiHeader } from './niftiHeader';
import { affineSpacing, orientationCode, reorientToRAS, type Vec3, type Volume } from './volume';

export interface ReadNiftiOptions {
  /** File name for error messages. */
  file?: string;
  /** Case identifier for error messages. */
  caseId?: string;
  /**
   * For a 4-D file, which frame (volume) to read. Without it a 4-D file with more than one frame is an
   * error: CT volumes are 3-D.
   */
  frame?: number;
  /** Reorient to canonical RAS (default true). */
  reorient?: boolean;
}

export interface NiftiVolume extends Volume {
  header: NiftiHeader;
  /** Orientation of the voxel axes as stored in the file, e.g. 'LPS', before reorientation. */
  storedOrientation: string;
  affineSource: 'sform' | 'qform' | 'pixdim';
  /** Number of NaN voxels (after scaling). */
  nanCount: number;
}

/** Decompresses when gzip; `file` names it in errors. */
export function maybeGunzipSync(buf: Uint8Array, file = 'input', caseId?: string): Uint8Array {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf, { chunkSize: 1 << 22 });
  } catch (e) {
    throw gzipError(e, file, caseId);
  }
}

function gzipError(e: unknown, file: string, caseId?: string): DataError {
  const msg = (e as Error).message ?? String(e);
  const truncated = /unexpected end of file/i.test(msg);
  return new DataError(
    file,
    truncated
      ? 'truncated gzip: the compressed file ends early (an interrupted download or copy?); copy or export it again'
      : `corrupt gzip data (${msg}); copy or export the file again`,
    caseId,
  );
}

async function gunzipAsync(buf: Uint8Array, file: string, caseId?: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gunzip(buf, { chunkSize: 1 << 22 }, (err, out) => {
      if (err) reject(gzipError(err, file, caseId));
      else resolve(out);
    });
  });
}

/** Parses an in-memory NIfTI file (gzip or not) into a float32 volume in canonical RAS. */
export function readNifti(input: Uint8Array, opts: ReadNiftiOptions = {}): NiftiVolume {
  const file = opts.file ?? 'input';
  const buf = maybeGunzipSync(input, file, opts.caseId);
  return decodeNifti(buf, opts);
}

/** Reads a `.nii` or `.nii.gz` file into a float32 volume in canonical RAS. */
export async function readNiftiFile(path: string, opts: Omit<ReadNiftiOptions, 'file'> = {}): Promise<NiftiVolume> {
  const file = opts.caseId !== undefined ? basename(path) : path;
  const raw = await readFileBytes(path, opts.caseId);
  let buf = raw;
  if (isGzip(raw)) {
    buf = await gunzipAsync(raw, file, opts.caseId);
  }
  return decodeNifti(buf, { ...opts, file });
}

function decodeNifti(buf: Uint8Array, opts: ReadNiftiOptions): NiftiVolume {
  const file = opts.file ?? 'input';
  const caseId = opts.caseId;
  let h: NiftiHeader;
  try {
    h = parseNiftiHeader(buf, file);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(e.file, e.reason, caseId);
    throw e;
  }
  if (h.magic === 'ni1' || h.magic === 'ni2')
    throw new DataError(file, 'a .hdr/.img pair (magic ni1/ni2) is not supported; save it as a single .nii or .nii.gz', caseId);
  const nd = h.ndim;
  if (!(nd >= 1 && nd <= 7)) throw new DataError(file, `invalid dim[0] = ${nd} (must be 1..7)`, caseId);
  const dims = h.dims.slice(1, nd + 1);
  if (dims.some((d) => !(d >= 1))) throw new DataError(file, `invalid dimensions [${dims.join(', ')}]`, caseId);
  const spatial: Vec3 = [dims[0], dims[1] ?? 1, dims[2] ?? 1];
  const extent = spatial.filter((d) => d > 1).length;
  if (nd < 3 || extent < 2)
    throw new DataError(
      file,
      `${Math.min(nd, extent)}-D image with shape [${dims.join(', ')}]; a volume needs 3 spatial dimensions`,
      caseId,
    );
  const frames = dims.slice(3).reduce((a, b) => a * b, 1);
  let frame = 0;
  if (frames > 1) {
    if (opts.frame === undefined)
      throw new DataError(file, `${nd}-D image with shape [${dims.join(', ')}] (${frames} frames); a CT volume must be 3-D`, caseId);
    if (!(Number.isInteger(opts.frame) && opts.frame >= 0 && opts.frame < frames))
      throw new DataError(file, `frame ${opts.frame} requested, the file has ${frames} frames`, caseId);
    frame = opts.frame;
  }
  const dt = NIFTI_DATATYPES[h.datatype];
  if (!dt) {
    const name = UNSUPPORTED_TYPES[h.datatype];
    throw new DataError(
      file,
      `unsupported datatype ${h.datatype}${name ? ` (${name})` : ''}; scalar integer or float data is needed`,
      caseId,
    );
  }
  const n = spatial[0] * spatial[1] * spatial[2];
  const offset = h.voxOffset + frame * n * dt.bytes;
  const need = h.voxOffset + frames * n * dt.bytes;
  if (h.voxOffset < (h.version === 1 ? 348 : 540)) throw new DataError(file, `invalid vox_offset ${h.voxOffset}`, caseId);
  if (buf.length < need)
    throw new DataError(
      file,
      `truncated: the header announces ${need} bytes (${spatial.join('×')}${frames > 1 ? `×${frames}` : ''} ${dt.name} from offset ${h.voxOffset}), the file has ${buf.length}`,
      caseId,
    );
  const data = convert(buf, offset, n, h.datatype, h.littleEndian);
  const slope = h.sclSlope;
  const inter = h.sclInter;
  const scaled = Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0));
  let nanCount = 0;
  if (scaled) {
    const b = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < n; i++) data[i] = data[i] * slope + b;
  }
  if (h.datatype === 16 || h.datatype === 64) for (let i = 0; i < n; i++) if (data[i] !== data[i]) nanCount++;
  const { affine, source } = niftiAffine(h);
  const stored: Volume = { data, shape: spatial, spacing: affineSpacing(affine), affine };
  const storedOrientation = orientationCode(affine);
  const vol = opts.reorient === false ? stored : reorientToRAS(stored);
  return { ...vol, header: h, storedOrientation, affineSource: source, nanCount };
}

const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function convert(buf: Uint8Array, offset: number, n: number, datatype: number, le: boolean): Float32Array {
  const out = new Float32Array(n);
  // Fast path: native (little-endian) byte order and an aligned offset → a typed-array view, converted by set().
  const at = buf.byteOffset + offset;
  if (le && NATIVE_LE) {
    const View = {
      2: Uint8Array,
      256: Int8Array,
      4: Int16Array,
      512: Uint16Array,
      8: Int32Array,
      768: Uint32Array,
      16: Float32Array,
      64: Float64Array,
    }[datatype as 2];
    if (View && at % View.BYTES_PER_ELEMENT === 0) {
      out.set(new View(buf.buffer, at, n));
      return out;
    }
  }
  const dv = new DataView(buf.buffer, buf.byteOffset + offset, buf.byteLength - offset);
  switch (datatype) {
    case 2:
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(i);
      break;
    case 256:
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 4:
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, le);
      break;
    case 512:
      for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, le);
      break;
    case 8:
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le);
      break;
    case 768:
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, le);
      break;
    case 16:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
      break;
    case 64:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
      break;
    case 1024:
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, le));
      break;
    case 1280:
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, le));
      break;
    default:
      throw new Error(`unreachable datatype ${datatype}`);
  }
  return out;
}

export interface WriteNiftiOptions {
  /** Stored datatype: 'int16' for CT in HU and for label maps, 'uint8' for labels, 'float32'. */
  datatype?: 'uint8' | 'int16' | 'float32';
  /** gzip the output (for `.nii.gz`); default true. */
  gzip?: boolean;
}

/**
 * Encodes a volume as a single-file NIfTI-1 (little-endian, sform and qform both set from the
 * affine, which must be a rotation times positive zooms, possibly with a flip). Integer datatypes are
 * rounded and clipped to their range.
 */
export function encodeNifti(vol: Volume, opts: WriteNiftiOptions = {}): Uint8Array {
  const dtName = opts.datatype ?? 'float32';
  const code = dtName === 'uint8' ? 2 : dtName === 'int16' ? 4 : 16;
  const bytes = dtName === 'uint8' ? 1 : dtName === 'int16' ? 2 : 4;
  const n = vol.shape[0] * vol.shape[1] * vol.shape[2];
  if (vol.data.length !== n) throw new Error(`encodeNifti: data has ${vol.data.length} values, shape ${vol.shape.join('×')} needs ${n}`);
  const buf = new Uint8Array(352 + n * bytes);
  const dv = new DataView(buf.buffer);
  dv.setInt32(0, 348, true);
  const dims = [3, vol.shape[0], vol.shape[1], vol.shape[2], 1, 1, 1, 1];
  dims.forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
  dv.setInt16(70, code, true);
  dv.setInt16(72, bytes * 8, true);
  const a = vol.affine;
  const zooms = affineSpacing(a);
  // qform: R = A[:3,:3] / zooms with a flip of the third column when det < 0 (qfac = −1).
  const R = [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r][c] / zooms[c]));
  const det =
    R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
    R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
    R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  const [qb, qc, qd] = quaternionOf(R);
  const pixdim = [qfac, zooms[0], zooms[1], zooms[2], 1, 1, 1, 1];
  pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
  dv.setFloat32(108, 352, true); // vox_offset
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setFloat32(116, 0, true); // scl_inter
  buf[123] = 2 | 8; // mm, seconds
  dv.setInt16(252, 1, true); // qform_code: scanner
  dv.setInt16(254, 1, true); // sform_code: scanner
  dv.setFloat32(256, qb, true);
  dv.setFloat32(260, qc, true);
  dv.setFloat32(264, qd, true);
  dv.setFloat32(268, a[0][3], true);
  dv.setFloat32(272, a[1][3], true);
  dv.setFloat32(276, a[2][3], true);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, a[r][c], true);
  buf.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  const d = vol.data;
  if (code === 16) for (let i = 0; i < n; i++) dv.setFloat32(352 + 4 * i, d[i], true);
  else if (code === 4) for (let i = 0; i < n; i++) dv.setInt16(352 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(d[i]))), true);
  else for (let i = 0; i < n; i++) buf[352 + i] = Math.max(0, Math.min(255, Math.round(d[i])));
  return opts.gzip === false ? buf : gzipSync(buf, { level: 6 });
}

/** Quaternion (b, c, d) with a ≥ 0 of a proper rotation matrix (the NIfTI reference algorithm). */
function quaternionOf(R: number[][]): [number, number, number] {
  const [[xx, xy, xz], [yx, yy, yz], [zx, zy, zz]] = R;
  let a = xx + yy + zz + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (zy - yz)) / a;
    c = (0.25 * (xz - zx)) / a;
    d = (0.25 * (yx - xy)) / a;
  } else {
    const xd = 1 + xx - (yy + zz);
    const yd = 1 + yy - (xx + zz);
    const zd = 1 + zz - (xx + yy);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (xy + yx)) / b;
      d = (0.25 * (xz + zx)) / b;
      a = (0.25 * (zy - yz)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (xy + yx)) / c;
      d = (0.25 * (yz + zy)) / c;
      a = (0.25 * (xz - zx)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (xz + zx)) / d;
      c = (0.25 * (yz + zy)) / d;
      a = (0.25 * (yx - xy)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return [b, c, d];
}
