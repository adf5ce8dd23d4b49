/**
 * NIfTI output on an input's own grid: the geometry fields of the input header (dims, pixdim with
 * qfac, qform and sform with their codes, quaternion, offsets, spatial units) are written back as they
 * were read, so that a viewer puts the label map exactly over its image. A NIfTI-2 input gives NIfTI-2
 * output (its double-precision affine is kept); a DICOM series gets the NIfTI-1 header `encodeNifti`
 * makes from its affine. Free-text fields (descrip, aux_file, intent_name) are never copied (privacy).
 * Always little-endian; gzip (node:zlib) for `.nii.gz`.
 */
import { gzipSync } from 'node:zlib';
import { encodeNifti } from '../data/nifti';
import { parseNiftiHeader, type NiftiHeader } from '../data/niftiHeader';
import type { Affine, Vec3 } from '../data/volume';

/** The header fields that place voxels in the world (a subset of NiftiHeader). */
export type NiftiGeometry = Pick<
  NiftiHeader,
  'version' | 'dims' | 'pixdim' | 'qformCode' | 'sformCode' | 'quatern' | 'qoffset' | 'srow' | 'spatialUnits'
>;

export function geometryOfHeader(h: NiftiHeader): NiftiGeometry {
  return {
    version: h.version,
    dims: h.dims.slice(),
    pixdim: h.pixdim.slice(),
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    quatern: [...h.quatern],
    qoffset: [...h.qoffset],
    srow: h.srow.map((r) => r.slice()) as NiftiGeometry['srow'],
    spatialUnits: h.spatialUnits,
  };
}

/** The geometry of a volume known only by its affine (a DICOM series): sform and qform (scanner) from it. */
export function geometryOfAffine(shape: Vec3, affine: Affine): NiftiGeometry {
  const bytes = encodeNifti(
    { data: new Float32Array(1), shape: [1, 1, 1], spacing: [1, 1, 1], affine },
    { gzip: false, datatype: 'uint8' },
  );
  const g = geometryOfHeader(parseNiftiHeader(bytes));
  g.dims = [3, shape[0], shape[1], shape[2], 1, 1, 1, 1];
  return g;
}

export interface NiftiImage {
  geometry: NiftiGeometry;
  /** Frames after the 3 spatial axes (1 = a 3-D volume; K = one frame per class). */
  frames: number;
  datatype: 'uint8' | 'float32';
  /** Stored voxel order, frame after frame. */
  data: Uint8Array | Float32Array;
  /** NIFTI_INTENT_LABEL (1002) for label maps; 0 otherwise. */
  intentCode: number;
  /** cal_min/cal_max (display range). */
  cal: [number, number];
}

const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a NIfTI file in the input's NIfTI version; gzip when `gzip` (a level: 1 for the large
 * probability maps, where level 6 costs seconds per hundred MB for little gain on float noise).
 */
export function encodeNiftiImage(img: NiftiImage, gzip: boolean | number): Uint8Array {
  const g = img.geometry;
  const [nx, ny, nz] = [g.dims[1], g.dims[2], g.dims[3]];
  const n = nx * ny * nz * img.frames;
  if (img.data.length !== n) throw new Error(`NIfTI output: ${img.data.length} values for ${nx}×${ny}×${nz}×${img.frames}`);
  const bytesPer = img.datatype === 'uint8' ? 1 : 4;
  const code = img.datatype === 'uint8' ? 2 : 16;
  const v2 = g.version === 2;
  const off = v2 ? 544 : 352;
  const buf = new Uint8Array(off + n * bytesPer);
  const dv = new DataView(buf.buffer);
  const dims = [img.frames > 1 ? 4 : 3, nx, ny, nz, img.frames, 1, 1, 1];
  const pixdim = g.pixdim.slice(0, 4).concat([1, 1, 1, 1]);
  if (!v2) {
    dv.setInt32(0, 348, true);
    dims.forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
    dv.setInt16(68, img.intentCode, true);
    dv.setInt16(70, code, true);
    dv.setInt16(72, bytesPer * 8, true);
    pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
    dv.setFloat32(108, off, true);
    dv.setFloat32(112, 1, true);
    dv.setFloat32(116, 0, true);
    buf[123] = g.spatialUnits & 0x07;
    dv.setFloat32(124, img.cal[1], true);
    dv.setFloat32(128, img.cal[0], true);
    dv.setInt16(252, g.qformCode, true);
    dv.setInt16(254, g.sformCode, true);
    g.quatern.forEach((q, i) => dv.setFloat32(256 + 4 * i, q, true));
    g.qoffset.forEach((q, i) => dv.setFloat32(268 + 4 * i, q, true));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, g.srow[r][c], true);
    buf.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  } else {
    dv.setInt32(0, 540, true);
    buf.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
    dv.setInt16(12, code, true);
    dv.setInt16(14, bytesPer * 8, true);
    dims.forEach((d, i) => dv.setBigInt64(16 + 8 * i, BigInt(d), true));
    pixdim.forEach((p, i) => dv.setFloat64(104 + 8 * i, p, true));
    dv.setBigInt64(168, BigInt(off), true);
    dv.setFloat64(176, 1, true);
    dv.setFloat64(184, 0, true);
    dv.setFloat64(192, img.cal[1], true);
    dv.setFloat64(200, img.cal[0], true);
    dv.setInt32(344, g.qformCode, true);
    dv.setInt32(348, g.sformCode, true);
    g.quatern.forEach((q, i) => dv.setFloat64(352 + 8 * i, q, true));
    g.qoffset.forEach((q, i) => dv.setFloat64(376 + 8 * i, q, true));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat64(400 + 32 * r + 8 * c, g.srow[r][c], true);
    dv.setInt32(500, g.spatialUnits & 0x07, true);
    dv.setInt32(504, img.intentCode, true);
  }
  if (img.datatype === 'uint8') buf.set(img.data as Uint8Array, off);
  else if (NATIVE_LE)
    new Float32Array(buf.buffer, off, n).set(img.data); // 352 and 544 are multiples of 4
  else {
    const f = img.data as Float32Array;
    for (let i = 0; i < n; i++) dv.setFloat32(off + 4 * i, f[i], true);
  }
  if (gzip === false) return buf;
  return gzipSync(buf, { level: gzip === true ? 6 : gzip });
}
