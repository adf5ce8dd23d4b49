/**
 * Save / load every variable (params and buffers) of a module to a directory:
 *   <dir>/manifest.json  names, kinds, shapes, dtypes, byte offsets, SHA-256 of the data file
 *   <dir>/weights.bin    the raw little-endian values, concatenated in manifest order
 * Each file is written to a temporary name and renamed; the manifest goes last, and the loader checks
 * the data file's length and hash against it, so a half-written pair is detected, never loaded.
 * Loading checks everything (names, shapes, dtypes) before assigning anything.
 * `saveTensors` / `loadTensors` store other named tensors (optimizer slots, the MoCo queue) the same way
 * under another base name in the same directory (`<name>.json` + `<name>.bin`).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Module, NamedVariable, ParamStore, VariableKind } from './module';

export const WEIGHTS_MANIFEST = 'manifest.json';
export const WEIGHTS_DATA = 'weights.bin';

export type WeightDType = 'float32' | 'int32';

export interface WeightsEntry {
  name: string;
  kind: VariableKind;
  shape: number[];
  dtype: WeightDType;
  /** Byte offset in weights.bin. */
  offset: number;
  byteLength: number;
}

export interface WeightsManifest {
  format: 'medssl-weights';
  version: 1;
  dataFile: string;
  byteLength: number;
  sha256: string;
  entries: WeightsEntry[];
  /** Free-form description (config, step ...) stored alongside. */
  metadata?: Record<string, unknown>;
}

export interface LoadOptions {
  /** Error when the file holds variables the module lacks. Default true. */
  strict?: boolean;
  /** Also load buffers (running statistics). Default true. */
  buffers?: boolean;
}

export interface LoadReport {
  loaded: string[];
  /** Names in the file that the module does not have (only when strict is false). */
  unused: string[];
}

function variablesOf(target: Module | ParamStore): NamedVariable[] {
  return target instanceof Module ? target.namedVariables() : target.list();
}

function dtypeOf(v: tf.Tensor, name: string): WeightDType {
  if (v.dtype === 'float32' || v.dtype === 'int32') return v.dtype;
  throw new Error(`weights: tensor '${name}' has dtype ${v.dtype}; only float32 and int32 are saved`);
}

/** A named tensor to save (optimizer slots, MoCo queue ...): see {@link saveTensors}. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
  /** Default 'buffer'. */
  kind?: VariableKind;
}

/** Serialises variables in memory: manifest (with hash) and one byte buffer. */
export function serializeVariables(
  vars: NamedVariable[],
  metadata?: Record<string, unknown>,
): Promise<{ manifest: WeightsManifest; data: Buffer }> {
  return serializeTensors(
    vars.map((v) => ({ name: v.name, kind: v.kind, tensor: v.variable })),
    metadata,
  );
}

/** Serialises named tensors in memory: manifest (with hash) and one byte buffer. */
export async function serializeTensors(
  list: NamedTensor[],
  metadata?: Record<string, unknown>,
): Promise<{ manifest: WeightsManifest; data: Buffer }> {
  const entries: WeightsEntry[] = [];
  const chunks: Buffer[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const e of list) {
    if (seen.has(e.name)) throw new Error(`weights: duplicate tensor name '${e.name}'`);
    seen.add(e.name);
    const dtype = dtypeOf(e.tensor, e.name);
    const values = (await e.tensor.data()) as Float32Array | Int32Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name: e.name, kind: e.kind ?? 'buffer', shape: [...e.tensor.shape], dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const data = Buffer.concat(chunks, offset);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const manifest: WeightsManifest = { format: 'medssl-weights', version: 1, dataFile: WEIGHTS_DATA, byteLength: offset, sha256, entries };
  if (metadata) manifest.metadata = metadata;
  return { manifest, data };
}

/** Writes a file atomically: temporary name in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

async function writePair(dir: string, manifest: WeightsManifest, data: Buffer, baseName: string): Promise<WeightsManifest> {
  await fs.mkdir(dir, { recursive: true });
  const dataName = `${baseName}.bin`;
  const m: WeightsManifest = { ...manifest, dataFile: dataName };
  await writeFileAtomic(path.join(dir, dataName), data);
  await writeFileAtomic(path.join(dir, `${baseName === 'weights' ? 'manifest' : baseName}.json`), JSON.stringify(m, null, 1));
  return m;
}

/** Saves every param and buffer of `target` into `dir` (created if needed). */
export async function saveWeights(target: Module | ParamStore, dir: string, metadata?: Record<string, unknown>): Promise<WeightsManifest> {
  const { manifest, data } = await serializeVariables(variablesOf(target), metadata);
  return writePair(dir, manifest, data, 'weights');
}

/**
 * Saves arbitrary named tensors (optimizer slots, the MoCo queue ...) as `<dir>/<baseName>.json` +
 * `<dir>/<baseName>.bin`, same format and atomicity as the weights. `baseName` must not be 'weights'.
 */
export async function saveTensors(
  dir: string,
  baseName: string,
  list: NamedTensor[],
  metadata?: Record<string, unknown>,
): Promise<WeightsManifest> {
  if (!/^[A-Za-z0-9_-]+$/.test(baseName) || baseName === 'weights' || baseName === 'manifest') {
    throw new Error(`saveTensors: base name '${baseName}' must be letters, digits, '-' or '_', and not 'weights' or 'manifest'`);
  }
  const { manifest, data } = await serializeTensors(list, metadata);
  return writePair(dir, manifest, data, baseName);
}

/** Loads tensors saved by {@link saveTensors} (the caller owns and disposes them). */
export async function loadTensors(dir: string, baseName: string): Promise<{ tensors: Map<string, tf.Tensor>; manifest: WeightsManifest }> {
  const manifest = await readWeightsManifest(dir, `${baseName}.json`);
  const data = await readVerifiedData(dir, manifest);
  const tensors = new Map<string, tf.Tensor>();
  for (const e of manifest.entries) tensors.set(e.name, tensorFromEntry(data, e, path.join(dir, manifest.dataFile)));
  return { tensors, manifest };
}

function tensorFromEntry(data: Buffer, e: WeightsEntry, file: string): tf.Tensor {
  const expected = tf.util.sizeFromShape(e.shape) * 4;
  if (
    e.byteLength !== expected ||
    e.offset < 0 ||
    e.offset + e.byteLength > data.byteLength ||
    (e.dtype !== 'float32' && e.dtype !== 'int32')
  ) {
    throw new Error(`weights: '${e.name}': byte range ${e.offset}+${e.byteLength} or dtype ${e.dtype} is invalid in ${file}`);
  }
  // Copy into an aligned buffer (offsets in a Node Buffer need not be 4-byte aligned).
  const bytes = new Uint8Array(e.byteLength);
  bytes.set(data.subarray(e.offset, e.offset + e.byteLength));
  const values = e.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
  return tf.tensor(values, e.shape, e.dtype);
}

async function readVerifiedData(dir: string, manifest: WeightsManifest): Promise<Buffer> {
  const dataFile = path.join(dir, manifest.dataFile || WEIGHTS_DATA);
  const data = await fs.readFile(dataFile);
  if (data.byteLength !== manifest.byteLength) {
    throw new Error(
      `weights: ${dataFile} has ${data.byteLength} bytes, the manifest expects ${manifest.byteLength} (incomplete or mismatched save)`,
    );
  }
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== manifest.sha256)
    throw new Error(`weights: ${dataFile} does not match its manifest (SHA-256 differs): corrupted or from another save`);
  return data;
}

/** Reads and validates a manifest (format, version, entry layout). */
export async function readWeightsManifest(dir: string, manifestName: string = WEIGHTS_MANIFEST): Promise<WeightsManifest> {
  const file = path.join(dir, manifestName);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`weights: cannot read ${file}: ${(err as Error).message}`);
  }
  let m: WeightsManifest;
  try {
    m = JSON.parse(text) as WeightsManifest;
  } catch (err) {
    throw new Error(`weights: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (m.format !== 'medssl-weights' || m.version !== 1 || !Array.isArray(m.entries)) {
    throw new Error(`weights: ${file} is not a medssl-weights v1 manifest`);
  }
  return m;
}

/**
 * Loads `dir` into the variables of `target`. Throws (assigning nothing) when a variable is missing,
 * has another shape or dtype, when the file holds unknown variables (strict), or when the data file
 * does not match the manifest. Errors name the parameter and the directory.
 */
export async function loadWeights(target: Module | ParamStore, dir: string, options: LoadOptions = {}): Promise<LoadReport> {
  const strict = options.strict ?? true;
  const withBuffers = options.buffers ?? true;
  const manifest = await readWeightsManifest(dir);
  const dataFile = path.join(dir, manifest.dataFile || WEIGHTS_DATA);
  const data = await readVerifiedData(dir, manifest);

  const byName = new Map(manifest.entries.map((e) => [e.name, e]));
  const problems: string[] = [];
  const plan: Array<[NamedVariable, WeightsEntry]> = [];
  const vars = variablesOf(target).filter((v) => withBuffers || v.kind === 'param');
  for (const v of vars) {
    const e = byName.get(v.name);
    if (!e) {
      problems.push(`${v.kind} '${v.name}' [${v.variable.shape}] is missing from the checkpoint`);
      continue;
    }
    if (!tf.util.arraysEqual(e.shape, v.variable.shape)) {
      problems.push(`${v.kind} '${v.name}': checkpoint has shape [${e.shape}], the model has [${v.variable.shape}]`);
      continue;
    }
    if (e.dtype !== v.variable.dtype) {
      problems.push(`${v.kind} '${v.name}': checkpoint has dtype ${e.dtype}, the model has ${v.variable.dtype}`);
      continue;
    }
    const expected = tf.util.sizeFromShape(e.shape) * 4;
    if (e.byteLength !== expected || e.offset < 0 || e.offset + e.byteLength > data.byteLength) {
      problems.push(`${v.kind} '${v.name}': byte range ${e.offset}+${e.byteLength} is invalid in ${dataFile}`);
      continue;
    }
    plan.push([v, e]);
  }
  const known = new Set(vars.map((v) => v.name));
  const unused = manifest.entries.map((e) => e.name).filter((n) => !known.has(n) && (withBuffers || byName.get(n)?.kind === 'param'));
  if (strict && unused.length > 0) {
    problems.push(
      `the checkpoint has ${unused.length} variable(s) the model lacks: ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', …' : ''}`,
    );
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('\n  ');
    throw new Error(
      `weights: cannot load ${dir} into this model (architecture or config differs?):\n  ${shown}${problems.length > 8 ? `\n  … and ${problems.length - 8} more` : ''}`,
    );
  }
  for (const [v, e] of plan) {
    const t = tensorFromEntry(data, e, dataFile);
    v.variable.assign(t);
    t.dispose();
  }
  return { loaded: plan.map(([v]) => v.name), unused: strict ? [] : unused };
}
