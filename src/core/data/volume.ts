/**
 * A 3-D scalar volume and its geometry.
 *
 * Memory order: x fastest, then y, then z (`data[x + nx * (y + ny * z)]`), as NIfTI stores it.
 * `affine` maps a voxel index (i, j, k, 1) to world coordinates in millimetres in the RAS+ frame
 * (x grows to the patient's Right, y to Anterior, z to Superior), as NIfTI defines it.
 * After `reorientToRAS` the voxel axes are the world axes: i → R, j → A, k → S, so axial slices are
 * the planes of constant k.
 */
export type Affine = number[][]; // 4×4, row-major, last row [0, 0, 0, 1]
export type Vec3 = [number, number, number];

export interface Volume {
  data: Float32Array;
  shape: Vec3;
  /** Voxel size in mm along each voxel axis (the column norms of the affine). */
  spacing: Vec3;
  affine: Affine;
}

/** A 2-D slice, row-major: `data[c + width * r]`. */
export interface Slice {
  data: Float32Array;
  width: number;
  height: number;
}

export function matMul4(a: Affine, b: Affine): Affine {
  const out: Affine = [[], [], [], []];
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r][k] * b[k][c];
      out[r][c] = s;
    }
  return out;
}

export function applyAffine(a: Affine, v: readonly number[]): Vec3 {
  return [0, 1, 2].map((r) => a[r][0] * v[0] + a[r][1] * v[1] + a[r][2] * v[2] + a[r][3]) as Vec3;
}

/** Voxel sizes: the norms of the affine's first three columns. */
export function affineSpacing(a: Affine): Vec3 {
  return [0, 1, 2].map((c) => Math.hypot(a[0][c], a[1][c], a[2][c])) as Vec3;
}

/**
 * For each voxel axis, the world axis it runs closest to (0 = x, 1 = y, 2 = z) and the direction
 * (+1 toward R/A/S, −1 toward L/P/I). Axes are assigned greedily by the largest absolute direction
 * cosine, so an oblique acquisition maps to its nearest orthogonal orientation (as nibabel's
 * `io_orientation` does for the usual, mildly oblique, case).
 */
export function axisOrientation(a: Affine): { world: Vec3; sign: Vec3 } {
  const sp = affineSpacing(a);
  const cos = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (sp[c] > 0 ? a[r][c] / sp[c] : 0)));
  const world: number[] = [-1, -1, -1];
  const sign: number[] = [1, 1, 1];
  const usedW = new Set<number>();
  const usedV = new Set<number>();
  for (let n = 0; n < 3; n++) {
    let best = -1;
    let bw = -1;
    let bv = -1;
    for (let w = 0; w < 3; w++) {
      if (usedW.has(w)) continue;
      for (let v = 0; v < 3; v++) {
        if (usedV.has(v)) continue;
        if (Math.abs(cos[w][v]) > best) {
          best = Math.abs(cos[w][v]);
          bw = w;
          bv = v;
        }
      }
    }
    usedW.add(bw);
    usedV.add(bv);
    world[bv] = bw;
    sign[bv] = cos[bw][bv] < 0 ? -1 : 1;
  }
  return { world: world as Vec3, sign: sign as Vec3 };
}

/** Axis codes of the voxel axes, e.g. 'RAS', 'LPS', 'LAS' (nibabel's `aff2axcodes`). */
export function orientationCode(a: Affine): string {
  const { world, sign } = axisOrientation(a);
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  return [0, 1, 2].map((v) => (sign[v] > 0 ? pos : neg)[world[v]]).join('');
}

/**
 * Permutes and flips the voxel axes so that they run R, A, S (canonical RAS+, nibabel's
 * `as_closest_canonical`). The world position of every voxel is unchanged: the new affine is the old
 * one composed with the index permutation. Works for any typed array of length nx·ny·nz.
 */
export function reorientToRAS(vol: Volume): Volume {
  const { data, affine, shape } = reorientArray(vol.data, vol.shape, vol.affine);
  return { data, shape, spacing: affineSpacing(affine), affine };
}

function permutedShape(shape: Vec3, a: Affine): Vec3 {
  const { world } = axisOrientation(a);
  const out: number[] = [0, 0, 0];
  for (let v = 0; v < 3; v++) out[world[v]] = shape[v];
  return out as Vec3;
}

/** The array and affine of `reorientToRAS`, for any element type (labels keep their integer type). */
export function reorientArray<T extends Float32Array | Int16Array | Uint8Array | Int32Array | Uint16Array>(
  src: T,
  shape: Vec3,
  a: Affine,
): { data: T; affine: Affine; shape: Vec3 } {
  const { world, sign } = axisOrientation(a);
  if (world[0] === 0 && world[1] === 1 && world[2] === 2 && sign[0] > 0 && sign[1] > 0 && sign[2] > 0) {
    return { data: src, affine: a.map((r) => r.slice()), shape: [...shape] as Vec3 };
  }
  const outShape = permutedShape(shape, a);
  // T maps an output index o to the input index i: i_v = sign_v > 0 ? o_{world_v} : n_v − 1 − o_{world_v}.
  const t: Affine = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let v = 0; v < 3; v++) {
    t[v][world[v]] = sign[v];
    t[v][3] = sign[v] > 0 ? 0 : shape[v] - 1;
  }
  const newAffine = matMul4(a, t);
  const ctor = src.constructor as new (n: number) => T;
  const out = new ctor(src.length);
  // Input strides, expressed per output axis (with the flip folded into a start offset).
  const inStride = [1, shape[0], shape[0] * shape[1]];
  const strideOut = [0, 0, 0];
  let start = 0;
  for (let v = 0; v < 3; v++) {
    strideOut[world[v]] = sign[v] * inStride[v];
    if (sign[v] < 0) start += (shape[v] - 1) * inStride[v];
  }
  const [ox, oy, oz] = outShape;
  let o = 0;
  for (let z = 0; z < oz; z++) {
    const bz = start + z * strideOut[2];
    for (let y = 0; y < oy; y++) {
      let i = bz + y * strideOut[1];
      const sx = strideOut[0];
      for (let x = 0; x < ox; x++, i += sx) out[o++] = src[i];
    }
  }
  return { data: out, affine: newAffine, shape: outShape };
}

/**
 * Axial slice k of a volume in canonical RAS orientation, in the radiological display convention that
 * DICOM CT uses: anterior at the top, the patient's right on the image's left. So row r, column c is
 * voxel (nx − 1 − c, ny − 1 − r, k). Width = nx, height = ny.
 */
export function axialSlice(vol: Volume, k: number): Slice {
  return { data: axialSliceOf(vol.data, vol.shape, k), width: vol.shape[0], height: vol.shape[1] };
}

export function axialSliceOf<T extends Float32Array | Uint8Array | Int16Array | Uint16Array | Int32Array>(
  data: T,
  shape: Vec3,
  k: number,
): T {
  const [nx, ny, nz] = shape;
  if (!(k >= 0 && k < nz && Number.isInteger(k))) throw new RangeError(`axial slice ${k} is outside 0..${nz - 1}`);
  const ctor = data.constructor as new (n: number) => T;
  const out = new ctor(nx * ny);
  const base = k * nx * ny;
  for (let r = 0; r < ny; r++) {
    const row = base + (ny - 1 - r) * nx;
    for (let c = 0; c < nx; c++) out[c + nx * r] = data[row + nx - 1 - c];
  }
  return out;
}

/** Inverse of an affine (general 3×3 part plus translation). */
export function invertAffine(a: Affine): Affine {
  const [[a00, a01, a02], [a10, a11, a12], [a20, a21, a22]] = a;
  const c00 = a11 * a22 - a12 * a21;
  const c01 = a02 * a21 - a01 * a22;
  const c02 = a01 * a12 - a02 * a11;
  const det = a00 * c00 + a10 * c01 + a20 * c02;
  if (Math.abs(det) < 1e-12) throw new Error('affine is singular');
  const m = [
    [c00, c01, c02],
    [a12 * a20 - a10 * a22, a00 * a22 - a02 * a20, a02 * a10 - a00 * a12],
    [a10 * a21 - a11 * a20, a01 * a20 - a00 * a21, a00 * a11 - a01 * a10],
  ].map((row) => row.map((v) => v / det));
  const t = [0, 1, 2].map((r) => -(m[r][0] * a[0][3] + m[r][1] * a[1][3] + m[r][2] * a[2][3]));
  return [
    [...m[0], t[0]],
    [...m[1], t[1]],
    [...m[2], t[2]],
    [0, 0, 0, 1],
  ];
}

/** The nearest voxel index of a world point (mm, RAS+). */
export function worldToVoxel(a: Affine, xyz: readonly number[]): Vec3 {
  return applyAffine(invertAffine(a), xyz).map((v) => Math.round(v)) as Vec3;
}
