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
 * Privacy (a run folder may be shared; the scans are not): only geometry, pixel and series-grouping tags are read. Patient name, ID,
 * birth date, institution, accession number and every other identifying field are never read into
 * memory structures, so they cannot reach a run folder, a log or a panel. Case identifiers come from
 * file or folder names.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
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

/** One DICOM image's header: geometry and series grouping. No identifying fields. */
export interface DicomSliceInfo {
  file: string;
  rows: number;
  columns: number;
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

/** One DICOM image: pixels in HU and geometry. No identifying fields. */
export interface DicomSlice extends DicomSliceInfo {
  /** HU, row-major (`data[c + columns * r]`). */
  data: Float32Array;
}

function nums(ds: DataSet, tag: string): number[] | null {
  const s = ds.string(tag);
  if (s === undefined || s.trim() === '') return null;
  const v = s.split('\\').map(Number);
  return v.every(Number.isFinite) ? v : null;
}

function parse(bytes: Uint8Array, file: string, caseId: string | undefined, untilTag?: string): DataSet {
  try {
    return parseDicom(bytes, untilTag ? { untilTag } : undefined);
  } catch (e) {
    const msg = typeof e === 'string' ? e : ((e as Error).message ?? String(e));
    throw new DataError(file, `not a readable DICOM file (${msg})`, caseId);
  }
}

/** The geometry, grouping and format checks of a parsed file (pixel data not needed). */
function infoOf(ds: DataSet, file: string, caseId?: string): DicomSliceInfo & { ts: string } {
  const ts = (ds.string('x00020010') ?? '1.2.840.10008.1.2').replace(/\0/g, '').trim();
  if (!UNCOMPRESSED.has(ts)) {
    throw new DataError(
      file,
      `compressed transfer syntax ${ts}${TS_NAMES[ts] ? ` (${TS_NAMES[ts]})` : ''} is not supported; decompress the series first (e.g. 'gdcmconv --raw' or 'dcmdjpeg')`,
      caseId,
    );
  }
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  if (!rows || !columns) throw new DataError(file, 'DICOM file without an image (no Rows/Columns)', caseId);
  const spp = ds.uint16('x00280002') ?? 1;
  if (spp !== 1) throw new DataError(file, `${spp} samples per pixel (colour); CT must be grayscale`, caseId);
  const frames = Number(ds.string('x00280008') ?? '1');
  if (frames > 1) throw new DataError(file, `multi-frame DICOM (${frames} frames) is not supported; export one file per slice`, caseId);
  const ipp = nums(ds, 'x00200032');
  const iop = nums(ds, 'x00200037');
  const ps = nums(ds, 'x00280030');
  const thick = nums(ds, 'x00180050');
  const inst = nums(ds, 'x00200013');
  return {
    file,
    ts,
    rows,
    columns,
    position: ipp && ipp.length === 3 ? (ipp as Vec3) : null,
    orientation: iop && iop.length === 6 ? [iop.slice(0, 3) as Vec3, iop.slice(3, 6) as Vec3] : null,
    pixelSpacing: ps && ps.length === 2 ? [ps[0], ps[1]] : [1, 1],
    sliceThickness: thick ? thick[0] : null,
    seriesUid: ds.string('x0020000e') ?? null,
    instanceNumber: inst ? inst[0] : null,
    modality: ds.string('x00080060') ?? null,
  };
}

/** Parses one DICOM file's bytes. `file` names it in errors. */
export function parseDicomSlice(bytes: Uint8Array, file: string, caseId?: string): DicomSlice {
  const ds = parse(bytes, file, caseId);
  const { ts, ...info } = infoOf(ds, file, caseId);
  const { rows, columns } = info;
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw new DataError(file, 'DICOM file without image pixels (no Pixel Data)', caseId);
  const bits = ds.uint16('x00280100') ?? 16;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const n = rows * columns;
  const bytesPer = bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
  if (pixel.length < n * bytesPer || pixel.dataOffset + n * bytesPer > bytes.length)
    throw new DataError(
      file,
      `truncated pixel data: ${Math.min(pixel.length, bytes.length - pixel.dataOffset)} bytes for ${rows}×${columns}×${bits}-bit`,
      caseId,
    );
  const le = ts !== '1.2.840.10008.1.2.2';
  const slope = nums(ds, 'x00281053')?.[0] ?? 1;
  const inter = nums(ds, 'x00281052')?.[0] ?? 0;
  const data = new Float32Array(n);
  const at = bytes.byteOffset + pixel.dataOffset;
  if (le && NATIVE_LE && bytesPer === 2 && at % 2 === 0) {
    // the usual CT file: a typed-array view instead of a DataView read per pixel
    const raw = signed ? new Int16Array(bytes.buffer, at, n) : new Uint16Array(bytes.buffer, at, n);
    if (slope === 1 && inter === 0) data.set(raw);
    else for (let i = 0; i < n; i++) data[i] = raw[i] * slope + inter;
  } else {
    const dv = new DataView(bytes.buffer, at, n * bytesPer);
    for (let i = 0; i < n; i++) {
      const raw =
        bytesPer === 1
          ? signed
            ? dv.getInt8(i)
            : dv.getUint8(i)
          : bytesPer === 2
            ? signed
              ? dv.getInt16(2 * i, le)
              : dv.getUint16(2 * i, le)
            : signed
              ? dv.getInt32(4 * i, le)
              : dv.getUint32(4 * i, le);
      data[i] = raw * slope + inter;
    }
  }
  return { ...info, data };
}

const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEADER_BYTES = 32 * 1024;

/** Whether bytes start like a DICOM Part 10 file ("DICM" after the 128-byte preamble). */
export function hasDicomMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * A file's header only (geometry, grouping, format), from its first bytes (the whole file when the
 * header is longer): what the loader's index needs, without reading pixels.
 */
export function readDicomHeader(file: string, caseId?: string): DicomSliceInfo {
  let head: Buffer;
  let size: number;
  try {
    const fd = openSync(file, 'r');
    try {
      size = fstatSync(fd).size;
      head = Buffer.alloc(Math.min(size, HEADER_BYTES));
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
  }
  let ds: DataSet;
  try {
    ds = parseDicom(head, { untilTag: 'x7fe00010' });
  } catch (e) {
    if (head.length >= size)
      throw new DataError(file, `not a readable DICOM file (${typeof e === 'string' ? e : (e as Error).message})`, caseId);
    ds = parse(readFileSync(file), file, caseId, 'x7fe00010'); // a header longer than HEADER_BYTES
  }
  const { ts: _ts, ...info } = infoOf(ds, file, caseId);
  return info;
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

/** Where the slices of a series go: their order along the normal, the grid and the affine (RAS). */
export interface SeriesPlan {
  /** Indices into the slices given, in slice order. */
  order: number[];
  /** Stored grid [columns, rows, slices] (before reorientation to RAS). */
  shape: Vec3;
  affine: Affine;
}

/**
 * Checks the slices of one series and orders them (from headers alone): one Series Instance UID, one
 * modality (CT; another modality is refused — HU windows mean nothing for it), one grid, positions
 * sorted along the slice normal (not file name or instance number), no duplicate positions, even
 * spacing (a gap is a missing slice). Errors name the case and the offending file.
 */
export function planSeries(slices: DicomSliceInfo[], caseId?: string): SeriesPlan {
  if (slices.length === 0) throw new DataError(caseId ?? 'series', 'no DICOM slices', caseId);
  const folder = path.dirname(slices[0].file);
  const uids = new Set(slices.map((s) => s.seriesUid ?? ''));
  if (uids.size > 1) {
    const other = slices.find((s) => (s.seriesUid ?? '') !== (slices[0].seriesUid ?? ''))!;
    throw new DataError(
      folder,
      `holds ${uids.size} different series (Series Instance UID differs between ${path.basename(slices[0].file)} and ${path.basename(other.file)}); put each series in its own folder`,
      caseId,
    );
  }
  const notCt = slices.find((s) => s.modality !== null && s.modality.trim() !== '' && s.modality.trim().toUpperCase() !== 'CT');
  if (notCt)
    throw new DataError(
      notCt.file,
      `modality is ${notCt.modality!.trim()}, not CT: the loader reads CT series (HU values and windows); remove it from the dataset`,
      caseId,
    );
  const first = slices[0];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns)
      throw new DataError(
        s.file,
        `slice is ${s.columns}×${s.rows}, ${path.basename(first.file)} is ${first.columns}×${first.rows}`,
        caseId,
      );
  }
  const [rowDir, colDir] = first.orientation ?? [
    [1, 0, 0],
    [0, 1, 0],
  ];
  const normal = cross(rowDir, colDir);
  let order = slices.map((_, i) => i);
  let step = first.sliceThickness ?? 1;
  if (slices.length > 1) {
    const missing = slices.find((s) => !s.position);
    if (missing) throw new DataError(missing.file, 'no Image Position (Patient): cannot order the slices of the series', caseId);
    const zOf = slices.map((s) => dot(s.position!, normal));
    order = order.sort((a, b) => zOf[a] - zOf[b]);
    const z = order.map((i) => zOf[i]);
    const gaps = z.slice(1).map((v, i) => v - z[i]);
    const dup = gaps.findIndex((g) => Math.abs(g) < 1e-3);
    if (dup >= 0)
      throw new DataError(
        slices[order[dup + 1]].file,
        `same position as ${path.basename(slices[order[dup]].file)} (duplicate slice)`,
        caseId,
      );
    step = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]; // median
    const bad = gaps.findIndex((g) => Math.abs(g - step) > Math.max(0.05 * step, 0.01));
    if (bad >= 0)
      throw new DataError(
        slices[order[bad + 1]].file,
        `uneven slice spacing: ${gaps[bad].toFixed(3)} mm from ${path.basename(slices[order[bad]].file)}, ${step.toFixed(3)} mm elsewhere (a missing slice?)`,
        caseId,
      );
  }
  const [dr, dc] = first.pixelSpacing; // between rows, between columns
  const p0 = slices[order[0]].position ?? [0, 0, 0];
  // LPS: x = p0 + i·dc·rowDir + j·dr·colDir + k·step·normal ; RAS = diag(−1, −1, 1)·LPS
  const flip = [-1, -1, 1];
  const affine: Affine = [0, 1, 2].map((a) => [
    flip[a] * rowDir[a] * dc,
    flip[a] * colDir[a] * dr,
    flip[a] * normal[a] * step,
    flip[a] * p0[a],
  ]);
  affine.push([0, 0, 0, 1]);
  return { order, shape: [first.columns, first.rows, slices.length], affine };
}

/**
 * Builds a volume from DICOM slices of one series (`planSeries`): sorted along the normal, uniform
 * spacing checked, HU values, affine in RAS. Errors name the case and the offending file.
 */
export function assembleSeries(slices: DicomSlice[], caseId?: string): DicomVolume {
  const plan = planSeries(slices, caseId);
  const [nx, ny, nz] = plan.shape;
  const data = new Float32Array(nx * ny * nz);
  plan.order.forEach((i, k) => data.set(slices[i].data, k * nx * ny));
  return {
    data,
    shape: plan.shape,
    spacing: affineSpacing(plan.affine),
    affine: plan.affine,
    files: plan.order.map((i) => slices[i].file),
  };
}

/** Reads and assembles the given files of one series (the loader's and inspect's path). */
export async function readDicomSeriesFiles(files: string[], caseId?: string): Promise<DicomVolume> {
  const slices = await Promise.all(
    files.map(async (f) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(f);
      } catch (e) {
        throw new DataError(f, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
      }
      return parseDicomSlice(bytes, f, caseId);
    }),
  );
  return assembleSeries(slices, caseId);
}

/** Synchronous `readDicomSeriesFiles`. */
export function readDicomSeriesFilesSync(files: string[], caseId?: string): DicomVolume {
  return assembleSeries(
    files.map((f) => {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(f);
      } catch (e) {
        throw new DataError(f, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
      }
      return parseDicomSlice(bytes, f, caseId);
    }),
    caseId,
  );
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
    if (!hasDicomMagic(bytes) && !/\.dcm$/i.test(f)) continue;
    slices.push(parseDicomSlice(bytes, p, caseId));
  }
  if (slices.length === 0) throw new DataError(dir, 'no DICOM files found (files with the DICM preamble or a .dcm name)', caseId);
  return assembleSeries(slices, caseId);
}
