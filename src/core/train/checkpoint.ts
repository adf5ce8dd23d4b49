/**
 * Checkpoints (DESIGN.md "Run folder"): checkpoints/<step>/ holds
 *   query/, key/        every variable of each side (encoder, projector, local projector; params and
 *                       buffers: BatchNorm and whitening running statistics) — models/weights.ts format
 *   optimizer/          SGD momentum buffers
 *   queue.bin           the key queue [D, K] float32 little-endian
 *   state.json          step, epoch, position in the epoch and the epoch's slice order, queue pointer,
 *                       schedule, RNG state, config hash (written last inside the folder)
 * The folder is written under a temporary name and renamed into place; then checkpoints/latest (the
 * newest complete checkpoint's name) is replaced atomically. A kill at any moment leaves `latest`
 * naming a complete checkpoint (or no `latest`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadWeights, saveWeights, writeFileAtomic } from '../models/weights';
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

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST = 'latest';

export async function saveCheckpoint(runDir: string, moco: Moco, opt: SgdMomentum, state: TrainState): Promise<string> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  await fs.mkdir(root, { recursive: true });
  const name = String(state.step);
  const final = path.join(root, name);
  const tmp = path.join(root, `.${name}.partial-${process.pid}`);
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  try {
    await saveWeights(moco.query.store, path.join(tmp, 'query'));
    await saveWeights(moco.key.store, path.join(tmp, 'key'));
    await saveWeights(opt.state, path.join(tmp, 'optimizer'));
    const q = (await moco.queue.keys.data()) as Float32Array;
    await writeFileAtomic(path.join(tmp, 'queue.bin'), new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
    await writeFileAtomic(path.join(tmp, 'state.json'), JSON.stringify(state));
  } catch (e) {
    // A read that fails half-way (a GPU error surfaces at the next read) leaves no partial folder.
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await fs.rm(final, { recursive: true, force: true });
  await fs.rename(tmp, final);
  await writeFileAtomic(path.join(root, LATEST), name + '\n');
  return final;
}

/** The newest complete checkpoint folder of a run, or null. */
export async function latestCheckpoint(runDir: string): Promise<string | null> {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  let name: string;
  try {
    name = (await fs.readFile(path.join(root, LATEST), 'utf8')).trim();
  } catch {
    return null;
  }
  const dir = path.join(root, name);
  try {
    await fs.access(path.join(dir, 'state.json'));
  } catch {
    throw new Error(`checkpoint: ${path.join(root, LATEST)} names '${name}', but ${dir}/state.json is missing`);
  }
  return dir;
}

/** The saved state (state.json) of a checkpoint folder, checked. */
export async function readCheckpointState(dir: string): Promise<TrainState> {
  const state = JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as TrainState;
  if (state.format !== 'medssl-pretrain-checkpoint' || state.version !== 1) throw new Error(`checkpoint: ${dir}/state.json is not a medssl pretraining checkpoint`);
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
  if (bytes.byteLength !== D * K * 4) throw new Error(`checkpoint: ${dir}/queue.bin has ${bytes.byteLength} bytes, expected ${D * K * 4} (queue ${D}×${K}); config differs?`);
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  const t = tf.tensor2d(new Float32Array(aligned.buffer), [D, K]);
  moco.queue.keys.assign(t);
  t.dispose();
  moco.queue.ptr = state.queuePtr;
  return state;
}
