/**
 * Checkpoints (DESIGN.md "Run folder"): checkpoints/<step>/ holds
 *   query/, key/        every variable of each side (encoder, projector, local projector; params and
 *                       buffers: BatchNorm and whitening running statistics) — models/weights.ts format
 *   optimizer/          SGD momentum buffers
 *   queue.bin           the key queue [D, K] float32 little-endian
 *   state.json          step, epoch, position in the epoch and the epoch's slice order, queue pointer,
 *                       schedule, RNG state, config hash
 *   manifest.json       every file's size and SHA-256 (written last inside the folder; checkpointIntegrity.ts)
 * The folder is written under a temporary name and renamed into place; then checkpoints/latest (the
 * newest complete checkpoint's name) is replaced atomically. A kill at any moment leaves `latest`
 * naming a complete checkpoint (or no `latest`); a failed save (a full disk) removes its temporary
 * folder. Resume and evaluation verify the checksums and fall back to the newest complete checkpoint.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadWeights, saveWeights, writeFileAtomic } from '../models/weights';
import { asDiskFull, checkWriteFault } from '../runs/diskFull';
import {
  brokenCheckpointWarning,
  buildManifest,
  CHECKPOINT_MANIFEST,
  CHECKPOINTS_DIR,
  findCheckpoint,
  LATEST,
} from './checkpointIntegrity';
import type { Moco } from '../ssl/moco';
import type { RngState } from '../util/rng';
import type { LrSchedule } from './schedule';
import type { SgdMomentum } from './optimizer';

export interface TrainState {
  format: 'medssl-pretrain-checkpoint';
  version: 1;
  /** Steps completed. */
  step: number;
  epoch: number;
  /** Steps completed inside the current epoch. */
  stepInEpoch: number;
  /** The current epoch's slice order (indices into the training slices). */
  order: number[];
  queuePtr: number;
  schedule: LrSchedule;
  rng: RngState;
  configHash: string;
  /** Last losses (for the record). */
  losses?: Record<string, number>;
}

export { CHECKPOINTS_DIR, LATEST };

export async function saveCheckpoint(runDir: string, moco: Moco, opt: SgdMomentum, state: TrainState): Promise<string> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const name = String(state.step);
  const final = path.join(root, name);
  const tmp = path.join(root, `.${name}.partial-${process.pid}`);
  try {
    await fs.mkdir(root, { recursive: true });
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    checkWriteFault('checkpoint', tmp);
    await saveWeights(moco.query.store, path.join(tmp, 'query'));
    await saveWeights(moco.key.store, path.join(tmp, 'key'));
    await saveWeights(opt.state, path.join(tmp, 'optimizer'));
    const q = (await moco.queue.keys.data()) as Float32Array;
    await writeFileAtomic(path.join(tmp, 'queue.bin'), new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
    await writeFileAtomic(path.join(tmp, 'state.json'), JSON.stringify(state));
    checkWriteFault('checkpoint', path.join(tmp, CHECKPOINT_MANIFEST));
    await writeFileAtomic(path.join(tmp, CHECKPOINT_MANIFEST), JSON.stringify(await buildManifest(tmp)));
    await fs.rm(final, { recursive: true, force: true });
    await fs.rename(tmp, final);
    checkWriteFault('checkpoint', path.join(root, LATEST));
    await writeFileAtomic(path.join(root, LATEST), name + '\n');
  } catch (e) {
    // Never leave a half-written folder behind (it would hold the disk full for good).
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw asDiskFull(e, runDir, 2 * checkpointBytes(moco, opt));
  }
  return final;
}

/** About what one checkpoint takes on disk: both encoders' variables, the optimizer state, the queue. */
export function checkpointBytes(moco: Moco, opt: SgdMomentum): number {
  return 4 * (moco.query.store.numElements() + moco.key.store.numElements() + opt.state.numElements() + moco.queue.keys.size) + 64 * 1024;
}

/**
 * The newest complete checkpoint folder of a run (its checksums verified), or null when the run has
 * none at all. A broken newer one is skipped (reported through `onBroken`); when checkpoints exist but
 * none is complete, an error names each broken file.
 */
export async function latestCheckpoint(runDir: string, onBroken?: (warning: string) => void): Promise<string | null> {
  const { dir, broken } = await findCheckpoint(runDir);
  if (dir === null && broken.length > 0) {
    throw new Error(`no complete checkpoint in ${path.join(runDir, CHECKPOINTS_DIR)}: ${broken.map((b) => b.reason).join('; ')}`);
  }
  for (const b of broken) onBroken?.(brokenCheckpointWarning(b, dir));
  return dir;
}

/** The saved state (state.json) of a checkpoint folder, checked. */
export async function readCheckpointState(dir: string): Promise<TrainState> {
  const file = path.join(dir, 'state.json');
  let state: TrainState;
  try {
    state = JSON.parse(await fs.readFile(file, 'utf8')) as TrainState;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `checkpoint: ${file} ${code === 'ENOENT' ? 'is missing' : code ? `cannot be read (${code})` : 'is truncated or not JSON'}`,
    );
  }
  if (state.format !== 'medssl-pretrain-checkpoint' || state.version !== 1)
    throw new Error(`checkpoint: ${dir}/state.json is not a medssl pretraining checkpoint`);
  return state;
}

/** Restores weights, optimizer, queue into existing objects; returns the saved state. */
export async function loadCheckpoint(dir: string, moco: Moco, opt: SgdMomentum): Promise<TrainState> {
  const state = await readCheckpointState(dir);
  await loadWeights(moco.query.store, path.join(dir, 'query'));
  await loadWeights(moco.key.store, path.join(dir, 'key'));
  await loadWeights(opt.state, path.join(dir, 'optimizer'));
  const bytes = await fs.readFile(path.join(dir, 'queue.bin'));
  const [D, K] = moco.queue.keys.shape;
  if (bytes.byteLength !== D * K * 4)
    throw new Error(`checkpoint: ${dir}/queue.bin has ${bytes.byteLength} bytes, expected ${D * K * 4} (queue ${D}×${K}); config differs?`);
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  const t = tf.tensor2d(new Float32Array(aligned.buffer), [D, K]);
  moco.queue.keys.assign(t);
  t.dispose();
  moco.queue.ptr = state.queuePtr;
  return state;
}
