/**
 * The built-in phantom: deterministic, seeded abdominal CT volumes in Hounsfield units with organ labels.
 *
 * Each "patient" (case index + seed) draws its own body size, fat thickness, organ positions, sizes,
 * shapes, cranio-caudal extents and contrast phase; within a volume every structure's outline varies
 * smoothly along z. Intensities follow a portal-venous contrast CT: fat ≈ −100, muscle ≈ 50, liver and
 * spleen ≈ 105–120, enhanced aorta ≈ 160, renal cortex ≈ 190, cortical bone ≈ 900, bowel gas ≈ −950,
 * plus organ texture (smooth noise) and scanner noise (Gaussian, σ ≈ 12 HU).
 *
 * Geometry: the volume is generated in DICOM-like LPS voxel order (i → patient left, j → posterior,
 * k → superior) and its affine says so; readers reorient to RAS (volume.ts) like any real file.
 * Anatomy is modelled in millimetres: u = patient-left offset from the body centre, v = posterior offset,
 * t ∈ [0, 1] from the top slice (liver dome) to the bottom slice (below the kidneys).
 */
import { normal, seededRandom } from '../random';
import type { Affine, Vec3, Volume } from '../volume';
import { sliceAnatomy } from './anatomy';
import { drawPatient } from './patient';
import { voxel } from './voxel';

export { PHANTOM_LABELS, labelCounts, type PhantomLabelName } from './labels';

export interface PhantomOptions {
  /** Dataset seed; with the case index it determines every voxel. Default 0. */
  seed?: number;
  /** Voxel grid [nx, ny, nz]. Default [128, 128, 48]. */
  shape?: Vec3;
  /** In-plane field of view in mm (square). Default 400. */
  fovMm?: number;
  /** Cranio-caudal length covered in mm. Default 240. */
  lengthMm?: number;
  /** Standard deviation of the scanner noise in HU. Default 12. */
  noiseHU?: number;
}

export interface PhantomCase {
  id: string;
  /** HU, float32, LPS voxel order (see the affine). */
  image: Volume;
  /** Label values 0..10 (PHANTOM_LABELS), same grid and affine. */
  label: Volume;
}

/** Generates one phantom case. Deterministic in (opts.seed, index). */
export function generatePhantomCase(index: number, opts: PhantomOptions = {}): PhantomCase {
  const seed = opts.seed ?? 0;
  const [nx, ny, nz] = opts.shape ?? [128, 128, 48];
  const fov = opts.fovMm ?? 400;
  const length = opts.lengthMm ?? 240;
  const noiseHU = opts.noiseHU ?? 12;
  const sx = fov / nx;
  const sy = fov / ny;
  const sz = length / nz;
  const p = drawPatient(seed, index);
  const image = new Float32Array(nx * ny * nz);
  const label = new Float32Array(nx * ny * nz);
  const noise = seededRandom(`medssl-phantom-scanner/${seed}/${index}`);
  const bodyCv = -8 * p.s; // the body centre sits a little anterior to the image centre

  for (let k = 0; k < nz; k++) {
    // k = 0 is the most inferior slice (k grows toward superior), t = 0 at the top.
    const t = 1 - (k + 0.5) / nz + p.dz;
    const zmm = k * sz;
    const sl = sliceAnatomy(p, t);
    for (let j = 0; j < ny; j++) {
      const v = (j - (ny - 1) / 2) * sy - bodyCv;
      for (let i = 0; i < nx; i++) {
        const u = (i - (nx - 1) / 2) * sx;
        const [hu, lab] = voxel(p, sl, u, v, zmm, t);
        const o = i + nx * (j + ny * k);
        image[o] = hu + (hu > -990 ? normal(noise, 0, noiseHU) : normal(noise, 0, noiseHU * 0.3));
        label[o] = lab;
      }
    }
  }
  // LPS voxel order: x_RAS = −u, y_RAS = −v; centred on the image centre, z from 0 upward.
  const affine: Affine = [
    [-sx, 0, 0, (sx * (nx - 1)) / 2],
    [0, -sy, 0, (sy * (ny - 1)) / 2],
    [0, 0, sz, -length / 2],
    [0, 0, 0, 1],
  ];
  const spacing: Vec3 = [sx, sy, sz];
  const id = `phantom_${String(index).padStart(3, '0')}`;
  return {
    id,
    image: { data: image, shape: [nx, ny, nz], spacing, affine: affine.map((r) => r.slice()) },
    label: { data: label, shape: [nx, ny, nz], spacing: [...spacing] as Vec3, affine: affine.map((r) => r.slice()) },
  };
}
