// `medssl bench` data line: slices per second the streaming loader prepares — read
// (gunzip + int16 → float + RAS), window, resize to the training size, and the two augmented views of
// each slice assembled into batch arrays — against the images per second the training step consumes.
// The dataset is phantom CT written as int16 .nii.gz volumes of 512×512 (like real CT) into a temporary
// folder; the timed pass starts with a cold cache, so every volume is read from disk once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { twoViews, type AugmentConfig } from '../data/augment';
import { SliceDataset } from '../data/dataset';
import { encodeNifti, readNiftiFile } from '../data/nifti';
import { seededRandom, shuffleInPlace } from '../data/random';
import { prepareVolumeSlices } from '../data/resample';
import { datasetSource } from '../data/sliceSource';
import { generatePhantomCase } from '../data/phantom/generate';
import type { Volume } from '../data/volume';

export interface DataBenchOptions {
  /** Training size (square). Default 128. */
  size?: number;
  /** Batch size. Default 64. */
  batch?: number;
  /** Phantom cases and their grid, generated at half the in-plane size and upsampled ×2 (CT-like 512×512 files, quick to make). Default 4 cases of 512×512×24. */
  cases?: number;
  shape?: [number, number, number];
  /** Batches whose cases are read ahead of the one being assembled. Default 2. */
  prefetch?: number;
  /** The training step's images per second, for the ratio. */
  trainingImagesPerS?: number;
  onProgress?: (msg: string) => void;
}

export interface DataBenchResult {
  /** Slices per second prepared (cold cache: read + window + resize + two views). */
  slices_per_s: number;
  /** slices_per_s / the training step's images per second (null without a training figure). Goal ≥ 5. */
  ratio_to_training: number | null;
  /** Second pass over the same data, prepared cases cached (window + resize done; views only). */
  warm_slices_per_s: number;
  /**
   * Process CPU time (user + system, all threads: gunzip runs on libuv's pool) per slice of the cold
   * and warm passes, ms. Unlike slices/s it hardly moves when other processes share the cores, so it is
   * the figure to compare two versions of the loader on a busy machine.
   */
  cpu_ms_per_slice: number;
  warm_cpu_ms_per_slice: number;
  /**
   * Where a slice's time goes, on the main thread, one case at a time (medians of 3): read = file read
   * + gunzip + int16 → float32 (the gunzip runs on libuv's pool during a real pass, overlapping other
   * work); prepare = RAS indexing + window + resize to the training size; views = the two augmented
   * views. ms per slice.
   */
  stages_ms_per_slice: { read: number; prepare: number; views: number };
  slices: number;
  seconds: number;
  source: string;
  size: number;
  batch: number;
}

/** In-plane ×2 pixel replication to the target grid (spacing halved, same field of view). */
function upsample2(v: Volume, shape: [number, number, number]): Volume {
  const [nx, ny, nz] = shape;
  const [sx, sy] = v.shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        data[x + nx * (y + ny * z)] = v.data[Math.min(sx - 1, x >> 1) + sx * (Math.min(sy - 1, y >> 1) + sy * z)];
      }
  const affine = v.affine.map((row, r) => (r < 3 ? [row[0] / 2, row[1] / 2, row[2], row[3]] : row.slice()));
  return { data, shape: [nx, ny, nz], spacing: [v.spacing[0] / 2, v.spacing[1] / 2, v.spacing[2]], affine };
}

/** Augmentation as the default config draws it (METHOD.md views). */
function benchAugment(size: number): AugmentConfig {
  return {
    size: [size, size],
    scale: [0.2, 1],
    flipH: 0.5,
    rotationDeg: 10,
    brightness: 0.4,
    contrast: 0.4,
    gamma: [0.8, 1.25],
    blurProb: 0.5,
    noiseStd: 0.02,
  };
}

export async function runDataBench(opts: DataBenchOptions = {}): Promise<DataBenchResult> {
  const size = opts.size ?? 128;
  const batch = opts.batch ?? 64;
  const shape = opts.shape ?? ([512, 512, 24] as [number, number, number]);
  const cases = opts.cases ?? 4;
  const progress = opts.onProgress ?? ((): void => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'medssl-databench-'));
  try {
    const root = path.join(dir, 'ct');
    mkdirSync(root);
    progress(`data: writing ${cases} phantom CT volumes ${shape.join('x')} (int16 .nii.gz, unlabelled folder)`);
    for (let i = 0; i < cases; i++) {
      const pc = generatePhantomCase(i, { seed: 0, shape: [Math.ceil(shape[0] / 2), Math.ceil(shape[1] / 2), shape[2]] });
      writeFileSync(path.join(root, `${pc.id}.nii.gz`), encodeNifti(upsample2(pc.image, shape), { datatype: 'int16' }));
    }
    const aug = benchAugment(size);
    // One epoch the way a training run reads it: the epoch order, then per batch a read of its slices
    // (cases not cached are read and prepared) with the next `prefetch` batches' cases read meanwhile,
    // and the two views of each slice assembled into batch arrays.
    const epoch = async (ds: SliceDataset, e: number): Promise<{ n: number; s: number }> => {
      const t0 = process.hrtime.bigint();
      const src = datasetSource(ds);
      const r = seededRandom(`data-bench/${e}`);
      const order = src.epochOrder((a) => shuffleInPlace(r, a));
      const B = Math.min(batch, src.count);
      const ahead = Math.max(0, opts.prefetch ?? 2);
      let n = 0;
      for (let start = 0; start < order.length; start += B) {
        src.prefetch(order.slice(start + B, start + (1 + ahead) * B)).catch(() => undefined); // a bad case fails the read below
        const slices = await src.read(order.slice(start, start + B));
        const q = new Float32Array(slices.length * size * size);
        const k = new Float32Array(slices.length * size * size);
        slices.forEach((s, i) => {
          const [a, b] = twoViews(s, aug, r);
          q.set(a.image.data, i * size * size);
          k.set(b.image.data, i * size * size);
        });
        n += slices.length;
      }
      return { n, s: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    // Warm-up (JIT) of the whole path — read, gunzip, prepare, batches, views — on one case of a
    // separate dataset, so that the timed pass starts with a cold cache but warm code (a training run
    // reads many cases: its steady state is warm code).
    const warmUp = SliceDataset.open(root, { intensity: { kind: 'abdomen' }, size: [size, size], cacheCases: 1 });
    await epoch(warmUp.subset([warmUp.caseIds[0]]), 0);
    progress(`data: loader pass (read + window + resize to ${size}x${size} + two views)`);
    const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const ds = SliceDataset.open(root, { intensity: { kind: 'abdomen' }, size: [size, size], cacheCases: cases });
    const cold = await epoch(ds, 0);
    const coldS = Number(process.hrtime.bigint() - t0) / 1e9; // includes opening the dataset (headers)
    const coldCpu = cpuMs(process.cpuUsage(c0));
    const c1 = process.cpuUsage();
    const warm = await epoch(ds, 1);
    const warmCpu = cpuMs(process.cpuUsage(c1));
    const stages = await stageProfile(root, ds.caseIds[0], size, aug);
    const slicesPerS = cold.n / coldS;
    const ips = opts.trainingImagesPerS;
    return {
      slices_per_s: slicesPerS,
      ratio_to_training: ips && ips > 0 ? slicesPerS / ips : null,
      warm_slices_per_s: warm.n / warm.s,
      cpu_ms_per_slice: coldCpu / cold.n,
      warm_cpu_ms_per_slice: warmCpu / warm.n,
      stages_ms_per_slice: stages,
      slices: cold.n,
      seconds: coldS,
      source: `${cases} phantom CT volumes ${shape.join('x')}, int16 .nii.gz`,
      size,
      batch,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-slice cost of each stage of the loader on one case (see `stages_ms_per_slice`). */
async function stageProfile(
  root: string,
  caseId: string,
  size: number,
  aug: AugmentConfig,
): Promise<{ read: number; prepare: number; views: number }> {
  const file = path.join(root, `${caseId}.nii.gz`);
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const read: number[] = [];
  const prepare: number[] = [];
  const views: number[] = [];
  const r = seededRandom('data-bench/stages');
  for (let rep = 0; rep < 3; rep++) {
    let t0 = process.hrtime.bigint();
    const vol = await readNiftiFile(file, { reorient: false });
    const readMs = ms(t0);
    const depth = vol.shape[2];
    read.push(readMs / depth);
    t0 = process.hrtime.bigint();
    const slices = prepareVolumeSlices(vol, { kind: 'abdomen' }, [size, size]);
    prepare.push(ms(t0) / depth);
    t0 = process.hrtime.bigint();
    for (const s of slices) twoViews(s, aug, r);
    views.push(ms(t0) / slices.length);
  }
  return { read: median(read), prepare: median(prepare), views: median(views) };
}
