/**
 * Disk space before a run starts: what the run folder will take (the checkpoints kept, one more being
 * written, the overlays, diagnostics and events) against what the file system has free. A run that
 * cannot fit is refused before it starts, with the amount it needs, instead of dying hours later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../config/types';
import { activationElements } from '../models/memoryEstimate';
import { resolveResNetConfig } from '../models/resnet';
import { mocoOptions } from '../train/mocoSetup';
import { KEEP_CHECKPOINTS } from '../train/checkpointIntegrity';

const MB = 1024 * 1024;

export interface Footprint {
  checkpointBytes: number;
  /** diagnostics/<step>.json, all of them (step 0, every diagnostics.everyEpochs epochs, the last step). */
  diagnosticsBytes: number;
  totalBytes: number;
}

/**
 * One diagnostics/<step>.json: the covariance eigenvalues of every recorded layer (each stage, the last
 * norm's input and output, the whitening before the pool when there, the representation, the embedding)
 * as JSON numbers, about 32 bytes each with the summary fields (measured: 13.8 KB for the 440 values of
 * the narrow smoke ResNet-18), plus a few KB of the rest.
 */
export function diagnosticsFileBytes(c: ExperimentConfig): number {
  const r = resolveResNetConfig(mocoOptions(c).encoder);
  const d = r.featureDim;
  const values =
    r.stageChannels.reduce((a, v) => a + v, 0) + 2 * d + (c.model.whitening.position === 'beforePool' ? 2 * d : 0) + d + c.ssl.embeddingDim;
  return 32 * values + 4096;
}

/** About what a run of this config writes: checkpoints (kept + one in progress), overlays, diagnostics, logs. */
export function estimateFootprint(c: ExperimentConfig): Footprint {
  const m = mocoOptions(c);
  const encoder = activationElements(m.encoder, c.data.size).params;
  // The projector heads (global and local) are small beside the encoder: half again on top covers them.
  const params = Math.ceil(encoder * 1.5);
  const queue = c.ssl.queueSize * c.ssl.embeddingDim;
  // query + key sides, SGD momentum (one slot), the queue, manifests and state.json
  const checkpointBytes = 4 * (3 * params + queue) + 64 * 1024;
  const overlays =
    (c.evaluation.overlaySlices ?? 0) *
    c.data.size *
    c.data.size *
    3 *
    (Number(c.evaluation.linear.enabled) + Number(c.evaluation.finetune.enabled));
  // events.jsonl and the job log; the diagnostics from step 0 on, every everyEpochs epochs and at the end
  const logs = 8 * MB;
  const diagnosticsBytes = (Math.floor(c.pretrain.epochs / Math.max(1, c.diagnostics.everyEpochs)) + 2) * diagnosticsFileBytes(c);
  return { checkpointBytes, diagnosticsBytes, totalBytes: (KEEP_CHECKPOINTS + 1) * checkpointBytes + overlays + logs + diagnosticsBytes };
}

/** The nearest existing folder at or above `p` (the runs folder may not exist yet). */
function existingAncestor(p: string): string {
  let d = path.resolve(p);
  while (!fs.existsSync(d)) {
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return d;
}

/** Free bytes for an unprivileged writer on the file system holding `dir`, or null when unknown. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(existingAncestor(dir));
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

export const formatMB = (bytes: number): string => `${Math.max(1, Math.ceil(bytes / MB))} MB`;

/** Null when `runsDir` has room for `needBytes`; otherwise the refusal naming the folder and the amounts. */
export function diskSpaceProblem(runsDir: string, needBytes: number): string | null {
  const free = freeBytes(runsDir);
  if (free === null || free >= needBytes) return null;
  return `disk full: ${path.resolve(runsDir)} has ${formatMB(free)} free, the run needs ~${formatMB(needBytes)} (checkpoints, overlays, diagnostics, logs); free space or choose another --runs-dir`;
}

/**
 * Null when a run folder can be created in `runsDir`; otherwise why not, naming the folder (not a
 * file inside it): it is a file, or it or its parent is not writable.
 */
export function runsDirProblem(runsDir: string): string | null {
  const abs = path.resolve(runsDir);
  const at = existingAncestor(abs);
  try {
    if (!fs.statSync(at).isDirectory())
      return `--runs-dir ${abs}: ${at === abs ? 'is a file, not a folder' : `${at} is a file, not a folder`}`;
    fs.accessSync(at, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `--runs-dir ${abs}: ${code === 'EACCES' || code === 'EPERM' ? `permission denied (${at} is not writable)` : code === 'EROFS' ? `${at} is on a read-only file system` : `cannot be used (${code ?? (e as Error).message})`}`;
  }
  return null;
}
