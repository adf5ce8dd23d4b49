/**
 * The real-MRI dataset of the reproduction study (docs/REPRODUCTION.md): Debian's mricron-data ch2 (the
 * Colin27 T1 template, 181×217×181 at 1 mm) with the AAL atlas as labels, grouped into AAL's own lobes
 * (the first digit of each region's code in aal.nii.txt): one class per lobe. The volume is cut into
 * contiguous axial slabs over the atlas's z extent; each slab is a case, so the held-out split (by case)
 * holds out whole slabs, never neighbouring slices of a training slab. Written as an MSD dataset folder
 * (dataset.json, imagesTr/, labelsTr/) that `data.source: folder` reads.
 *   node out/bench/study/mriSlabs.js <ch2.nii.gz> <aal.nii.gz> <aal.nii.txt> <outDir> [slabs=8]
 * It prints the brain's intensity mean and sd, for the config's zscore window.
 */
import * as fs from 'node:fs';
import { readNiftiFile } from '../../src/core/data/nifti';
import { writeMsdFolder } from '../../src/core/data/phantom/msd';
import type { Volume } from '../../src/core/data/volume';

/** AAL code's first digit → class (1-based; 0 is background). */
export const LOBES: Record<string, string> = {
  '2': 'frontal',
  '3': 'insula',
  '4': 'limbic',
  '5': 'occipital',
  '6': 'parietal',
  '7': 'subcortical grey',
  '8': 'temporal',
  '9': 'cerebellum',
};
export const CLASS_NAMES = ['background', ...Object.values(LOBES)];

/** AAL index (voxel value) → lobe class, from aal.nii.txt lines `index name code`. */
export function lobeTable(txt: string): Map<number, number> {
  const digits = Object.keys(LOBES);
  const out = new Map<number, number>();
  for (const line of txt.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    const cls = digits.indexOf(f[2][0]) + 1;
    if (cls === 0) throw new Error(`aal.nii.txt: region ${f[1]} has code ${f[2]}, not one of AAL's lobes`);
    out.set(Number(f[0]), cls);
  }
  return out;
}

export interface Slab {
  id: string;
  z0: number;
  z1: number;
  image: Volume;
  label: Volume;
}

/** Cuts image and lobe labels into `n` contiguous axial slabs over the labels' z extent. */
export function cutSlabs(image: Volume, atlas: Volume, table: Map<number, number>, n: number): Slab[] {
  const [X, Y, Z] = image.shape;
  if (atlas.shape.some((s, i) => s !== image.shape[i]))
    throw new Error(`atlas grid ${atlas.shape} differs from the image's ${image.shape}`);
  const lobes = new Float32Array(atlas.data.length);
  let zMin = Z,
    zMax = -1;
  for (let i = 0; i < lobes.length; i++) {
    const v = Math.round(atlas.data[i]);
    if (v === 0) continue;
    const c = table.get(v);
    if (c === undefined) throw new Error(`atlas value ${v} is not in aal.nii.txt`);
    lobes[i] = c;
    const z = Math.floor(i / (X * Y));
    zMin = Math.min(zMin, z);
    zMax = Math.max(zMax, z);
  }
  const slabs: Slab[] = [];
  const total = zMax - zMin + 1;
  for (let s = 0; s < n; s++) {
    const z0 = zMin + Math.floor((s * total) / n);
    const z1 = zMin + Math.floor(((s + 1) * total) / n); // exclusive
    const take = (src: Float32Array) => src.slice(z0 * X * Y, z1 * X * Y);
    // The slab's own affine: the same axes, its origin moved to its first slice.
    const affine = image.affine.map((row) => [...row]);
    for (let r = 0; r < 3; r++) affine[r][3] = image.affine[r][3] + image.affine[r][2] * z0;
    const shape: Volume['shape'] = [X, Y, z1 - z0];
    slabs.push({
      id: `ch2_slab${String(s).padStart(2, '0')}`,
      z0,
      z1,
      image: { data: take(image.data), shape, spacing: image.spacing, affine },
      label: { data: take(lobes), shape, spacing: image.spacing, affine },
    });
  }
  return slabs;
}

/** Mean and sd of the image over labelled (brain) voxels. */
export function brainStats(image: Volume, atlas: Volume): { mean: number; sd: number } {
  let n = 0,
    s = 0,
    s2 = 0;
  for (let i = 0; i < image.data.length; i++)
    if (atlas.data[i] !== 0) {
      n++;
      s += image.data[i];
      s2 += image.data[i] * image.data[i];
    }
  const mean = s / n;
  return { mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

export async function writeSlabDataset(
  ch2: string,
  aal: string,
  aalTxt: string,
  outDir: string,
  n = 8,
): Promise<{ mean: number; sd: number }> {
  const image = await readNiftiFile(ch2);
  const atlas = await readNiftiFile(aal);
  const slabs = cutSlabs(image, atlas, lobeTable(fs.readFileSync(aalTxt, 'utf8')), n);
  const stats = brainStats(image, atlas);
  writeMsdFolder(
    outDir,
    slabs,
    slabs.length,
    {
      name: 'ch2-aal-lobes',
      description: `mricron-data ch2 (Colin27 T1) cut into ${n} axial slabs, AAL regions grouped into lobes; brain intensity mean ${stats.mean.toFixed(2)}, sd ${stats.sd.toFixed(2)}`,
      reference: 'Debian mricron-data: ch2.nii.gz, aal.nii.gz, aal.nii.txt',
      licence: 'see /usr/share/doc/mricron-data/copyright',
      modality: { '0': 'MR' },
      classes: CLASS_NAMES,
    },
    { imageDatatype: 'float32', overwrite: true, what: 'mriSlabs' },
  );
  return stats;
}

if (require.main === module) {
  const [ch2, aal, txt, out, slabs] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node out/bench/study/mriSlabs.js <ch2.nii.gz> <aal.nii.gz> <aal.nii.txt> <outDir> [slabs=8]');
    process.exit(2);
  }
  writeSlabDataset(ch2, aal, txt, out, slabs ? Number(slabs) : 8).then(
    (s) =>
      console.log(
        `${out}: brain intensity mean ${s.mean.toFixed(3)}, sd ${s.sd.toFixed(3)} (zscore: mean ${(1024 + s.mean).toFixed(1)}, std ${s.sd.toFixed(1)})`,
      ),
    (e: Error) => {
      console.error(e.message);
      process.exit(2);
    },
  );
}
