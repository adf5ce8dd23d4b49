/**
 * Whether a checkpoint folder is whole, and which one to use. Each checkpoint carries manifest.json
 * (written last inside the folder, before the rename): every file's size and SHA-256. A checkpoint is
 * complete when every listed file is there with that size and hash. Resume and evaluation take the
 * newest complete one; a broken newer one is named in a warning, never silently used. Checkpoints saved
 * before manifests existed count as complete when their state.json reads.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST = 'latest';
export const CHECKPOINT_MANIFEST = 'manifest.json';
/** How many complete checkpoints a run keeps (older ones are deleted after each save). */
export const KEEP_CHECKPOINTS = 2;

export interface CheckpointManifest {
  format: 'medssl-checkpoint-manifest';
  version: 1;
  /** Path inside the checkpoint folder ('/'-separated) → size and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
}

/** A checkpoint that cannot be used, and why (the reason names the file). */
export interface BrokenCheckpoint {
  dir: string;
  reason: string;
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (d.isFile() && r !== CHECKPOINT_MANIFEST) out.push(r);
  }
  return out.sort();
}

async function sha256Of(file: string): Promise<{ bytes: number; sha256: string }> {
  const data = await fs.readFile(file);
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/** The manifest of every file now in `dir` (called on the finished temporary folder). */
export async function buildManifest(dir: string): Promise<CheckpointManifest> {
  const files: CheckpointManifest['files'] = {};
  for (const rel of await filesUnder(dir)) files[rel] = await sha256Of(path.join(dir, ...rel.split('/')));
  return { format: 'medssl-checkpoint-manifest', version: 1, files };
}

/** Null when the checkpoint folder is complete; otherwise why not, naming the file. */
export async function verifyCheckpoint(dir: string): Promise<string | null> {
  const manifestFile = path.join(dir, CHECKPOINT_MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(manifestFile, 'utf8');
  } catch {
    return verifyLegacy(dir);
  }
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text) as CheckpointManifest;
    if (m.format !== 'medssl-checkpoint-manifest' || typeof m.files !== 'object' || m.files === null)
      return `${manifestFile} is not a checkpoint manifest`;
  } catch {
    return `${manifestFile} is truncated or not JSON`;
  }
  for (const [rel, want] of Object.entries(m.files)) {
    const file = path.join(dir, ...rel.split('/'));
    let got: { bytes: number; sha256: string };
    try {
      got = await sha256Of(file);
    } catch {
      return `${file} is missing`;
    }
    if (got.bytes !== want.bytes) return `${file} has ${got.bytes} bytes, the manifest says ${want.bytes} (truncated?)`;
    if (got.sha256 !== want.sha256) return `${file} does not match its checksum in ${CHECKPOINT_MANIFEST} (corrupted)`;
  }
  return null;
}

/** A checkpoint saved before manifests: complete when its state.json reads as JSON. */
async function verifyLegacy(dir: string): Promise<string | null> {
  const file = path.join(dir, 'state.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return `${file} is missing`;
  }
  try {
    JSON.parse(text);
    return null;
  } catch {
    return `${file} is truncated or not JSON`;
  }
}

/** The numbered checkpoint folders of a run, newest first. */
export async function checkpointNames(runDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(runDir, CHECKPOINTS_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
}

/**
 * The newest complete checkpoint: the one `latest` names when it verifies, else the newest numbered
 * folder that does. `broken` lists what was skipped (newest first), each with its reason.
 */
export async function findCheckpoint(runDir: string): Promise<{ dir: string | null; broken: BrokenCheckpoint[] }> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const broken: BrokenCheckpoint[] = [];
  const latestFile = path.join(root, LATEST);
  let named: string | null = null;
  try {
    named = (await fs.readFile(latestFile, 'utf8')).trim() || null;
  } catch {
    named = null;
  }
  const names = await checkpointNames(runDir);
  if (named !== null && !names.includes(named))
    broken.push({ dir: path.join(root, named), reason: `${latestFile} names '${named}', which is not a checkpoint folder` });
  const order = named !== null && names.includes(named) ? [named, ...names.filter((n) => n !== named)] : names;
  for (const n of order) {
    const dir = path.join(root, n);
    const why = await verifyCheckpoint(dir);
    if (why === null) return { dir, broken };
    broken.push({ dir, reason: why });
  }
  return { dir: null, broken };
}

/** "checkpoint <dir> is broken (<reason>); using <fallback>" — the warning for a skipped checkpoint. */
export function brokenCheckpointWarning(b: BrokenCheckpoint, using: string | null): string {
  return `checkpoint ${b.dir} is broken (${b.reason}); ${using ? `using the newest complete one, ${using}` : 'no complete checkpoint is left'}`;
}

/**
 * Deletes all but the newest `keep` complete checkpoints. The newest was just written (its manifest is
 * there); older ones are verified, so a corrupt one never counts as one of the two kept.
 */
export async function pruneCheckpoints(runDir: string, keep = KEEP_CHECKPOINTS): Promise<string[]> {
  if (keep <= 0) return [];
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const names = await checkpointNames(runDir);
  const kept: string[] = [];
  const removed: string[] = [];
  for (const [i, n] of names.entries()) {
    const dir = path.join(root, n);
    if (kept.length < keep) {
      const complete = i === 0 ? await exists(path.join(dir, CHECKPOINT_MANIFEST)) : (await verifyCheckpoint(dir)) === null;
      if (complete) kept.push(n);
      continue; // a broken one among the newest stays until a resume has reported it
    }
    await fs.rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Removes what a crash or a full disk left half-written: `.N.partial-*` folders and temp files. */
export async function cleanPartialCheckpoints(runDir: string): Promise<string[]> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (/^\.\d+\.partial-/.test(n) || /\.tmp-/.test(n)) {
      await fs.rm(path.join(root, n), { recursive: true, force: true });
      removed.push(path.join(root, n));
    }
  }
  return removed;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
