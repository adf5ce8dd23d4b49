/**
 * DICOM CT: single files and series (a folder of slices), through dicom-parser.
 *
 * - Uncompressed transfer syntaxes only (implicit/explicit VR little endian, explicit big endian);
 *   a compressed file gets an error that names its transfer syntax and says how to decompress it.
 * - Rescale slope/intercept are applied, so values are HU.
 * - A series is sorted by position along the slice normal (not by file name or instance number),
 *   the slice spacing comes from those positions, and the affine maps DICOM's LPS patient frame to
 *   RAS (x and y negated), so `reorientToRAS` and the rest of the pipeline treat it like NIfTI.
 *
 * Privacy (issue 3, item 9): only geometry, pixel and series-grouping tags are read. Patient name, ID,
 * birth date, institution, accession number and every other identifying field are never read into
 * memory structures, so they cannot reach a run folder, a log or a panel. Case identifiers come from
 * file or folder names.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parseDicom, type DataSet } from 'dicom-parser';
import { DataError } from './errors';
import { affineSpacing, type Affine, type Vec3, type Volume } from './volume';

const TS_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
  '1.2.840.10008.1.2.1.99': 'deflated explicit VR little endian',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE lossless',
};
const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2']);

/** One DICOM image: pixels in HU and geometry. No identifying fields. */
export interface DicomSlice {
  file: string;
  rows: number;
  columns: number;
  /** HU, row-major (`data[c + columns * r]`). */
  data: Float32Array;
  /** Image Position (Patient), LPS mm, of the first pixel's centre. */
  position: Vec3 | null;
  /** Image Orientation (Patient): row direction, column direction (LPS unit vectors). */
  orientation: [Vec3, Vec3] | null;
  /** [row spacing (between rows), column spacing] mm. */
  pixelSpacing: [number, number];
  sliceThickness: number | null;
  seriesUid: string | null;
  instanceNumber: number | null;
  modality: string | null;
}

function nums(ds: DataSet, tag: string): number[] | null {
  const s = ds.string(tag);
  if (s === undefined || s.trim() === '') return null;
  const v = s.split('\\').map(Number);
  return v.every(Number.isFinite) ? v : null;
}

/** Parses one DICOM file's bytes. `file` names it in errors. */
export function parseDicomSlice(bytes: Uint8Array, file: string, caseId?: string): DicomSlice {
  let ds: DataSet;
  try {
    ds = parseDicom(bytes);
  } catch (e) {
    const msg = typeof e === 'string' ? e : (e as Error).message ?? String(e);
    throw new DataError(file, `not a readable DICOM file (${msg})`, caseId);
  }
  const ts = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  if (!UNCOMPRESSED.has(ts)) {
    throw new DataError(file, `compressed transfer syntax ${ts}${TS_NAMES[ts] ? ` (${TS_NAMES[ts]})` : ''} is not supported; decompress the series first (e.g. 'gdcmconv --raw' or 'dcmdjpeg')`, caseId);
  }
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const pixel = ds.elements.x7fe00010;
  if (!rows || !columns || !pixel) throw new DataError(file, 'DICOM file without image pixels (no Rows/Columns/Pixel Data)', caseId);
  const bits = ds.uint16('x00280100') ?? 16;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const spp = ds.uint16('x00280002') ?? 1;
  if (spp !== 1) throw new DataError(file, `${spp} samples per pixel (colour); CT must be grayscale`, caseId);
  const frames = Number(ds.string('x00280008') ?? '1');
  if (frames > 1) throw new DataError(file, `multi-frame DICOM (${frames} frames) is not supported; export one file per slice`, caseId);
  const n = rows * columns;
  const bytesPer = bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
  if (pixel.length < n * bytesPer) throw new DataError(file, `truncated pixel data: ${pixel.length} bytes for ${rows}×${columns}×${bits}-bit`, caseId);
  const le = ts !== '1.2.840.10008.1.2.2';
  const dv = new DataView(bytes.buffer, bytes.byteOffset + pixel.dataOffset, n * bytesPer);
  const slope = nums(ds, 'x00281053')?.[0] ?? 1;
  const inter = nums(ds, 'x00281052')?.[0] ?? 0;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const raw = bytesPer === 1 ? (signed ? dv.getInt8(i) : dv.getUint8(i)) : bytesPer === 2 ? (signed ? dv.getInt16(2 * i, le) : dv.getUint16(2 * i, le)) : signed ? dv.getInt32(4 * i, le) : dv.getUint32(4 * i, le);
    data[i] = raw * slope + inter;
  }
  const ipp = nums(ds, 'x00200032');
  const iop = nums(ds, 'x00200037');
  const ps = nums(ds, 'x00280030');
  const thick = nums(ds, 'x00180050');
  const inst = nums(ds, 'x00200013');
  return {
    file,
    rows,
    columns,
    data,
    position: ipp && ipp.length === 3 ? (ipp as Vec3) : null,
    orientation: iop && iop.length === 6 ? [iop.slice(0, 3) as Vec3, iop.slice(3, 6) as Vec3] : null,
    pixelSpacing: ps && ps.length === 2 ? [ps[0], ps[1]] : [1, 1],
    sliceThickness: thick ? thick[0] : null,
    seriesUid: ds.string('x0020000e') ?? null,
    instanceNumber: inst ? inst[0] : null,
    modality: ds.string('x00080060') ?? null,
  };
}

export async function readDicomFile(file: string, caseId?: string): Promise<DicomSlice> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
  return parseDicomSlice(bytes, file, caseId);
}

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export interface DicomVolume extends Volume {
  /** Files in slice order (inferior→superior along the normal as stored). */
  files: string[];
}

/**
 * Builds a volume from DICOM slices of one series: sorted by position along the normal, uniform
 * spacing checked, HU values, affine in RAS. Errors name the case and the offending file.
 */
export function assembleSeries(slices: DicomSlice[], caseId?: string): DicomVolume {
  if (slices.length === 0) throw new DataError(caseId ?? 'series', 'no DICOM slices', caseId);
  const uids = new Set(slices.map((s) => s.seriesUid ?? ''));
  if (uids.size > 1) throw new DataError(path.dirname(slices[0].file), `holds ${uids.size} different series (Series Instance UID); put each series in its own folder`, caseId);
  const first = slices[0];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) throw new DataError(s.file, `slice is ${s.columns}×${s.rows}, ${path.basename(first.file)} is ${first.columns}×${first.rows}`, caseId);
  }
  const [rowDir, colDir] = first.orientation ?? [
    [1, 0, 0],
    [0, 1, 0],
  ];
  const normal = cross(rowDir, colDir);
  let ordered = slices;
  let step = first.sliceThickness ?? 1;
  if (slices.length > 1) {
    const missing = slices.find((s) => !s.position);
    if (missing) throw new DataError(missing.file, 'no Image Position (Patient): cannot order the slices of the series', caseId);
    ordered = [...slices].sort((a, b) => dot(a.position!, normal) - dot(b.position!, normal));
    const z = ordered.map((s) => dot(s.position!, normal));
    const gaps = z.slice(1).map((v, i) => v - z[i]);
    const dup = gaps.findIndex((g) => Math.abs(g) < 1e-3);
    if (dup >= 0) throw new DataError(ordered[dup + 1].file, `same position as ${path.basename(ordered[dup].file)} (duplicate slice)`, caseId);
    step = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]; // median
    const bad = gaps.findIndex((g) => Math.abs(g - step) > Math.max(0.05 * step, 0.01));
    if (bad >= 0) throw new DataError(ordered[bad + 1].file, `uneven slice spacing: ${gaps[bad].toFixed(3)} mm from ${path.basename(ordered[bad].file)}, ${step.toFixed(3)} mm elsewhere (a missing slice?)`, caseId);
  }
  const [dr, dc] = first.pixelSpacing; // between rows, between columns
  const p0 = ordered[0].position ?? [0, 0, 0];
  // LPS: x = p0 + i·dc·rowDir + j·dr·colDir + k·step·normal ; RAS = diag(−1, −1, 1)·LPS
  const flip = [-1, -1, 1];
  const affine: Affine = [0, 1, 2].map((a) => [flip[a] * rowDir[a] * dc, flip[a] * colDir[a] * dr, flip[a] * normal[a] * step, flip[a] * p0[a]]);
  affine.push([0, 0, 0, 1]);
  const nx = first.columns;
  const ny = first.rows;
  const data = new Float32Array(nx * ny * ordered.length);
  ordered.forEach((s, k) => data.set(s.data, k * nx * ny));
  return { data, shape: [nx, ny, ordered.length], spacing: affineSpacing(affine), affine, files: ordered.map((s) => s.file) };
}

/** Reads every DICOM file in a folder (files whose first bytes are not DICOM are skipped) as one series. */
export async function readDicomSeries(dir: string, caseId = path.basename(dir)): Promise<DicomVolume> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  } catch (e) {
    throw new DataError(dir, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
  const slices: DicomSlice[] = [];
  for (const f of names) {
    const p = path.join(dir, f);
    if (!(await stat(p)).isFile()) continue;
    const bytes = await readFile(p);
    const isDicom = bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d; // "DICM"
    if (!isDicom && !/\.dcm$/i.test(f)) continue;
    slices.push(parseDicomSlice(bytes, p, caseId));
  }
  if (slices.length === 0) throw new DataError(dir, 'no DICOM files found (files with the DICM preamble or a .dcm name)', caseId);
  return assembleSeries(slices, caseId);
}
