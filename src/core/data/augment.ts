/**
 * Two-view augmentations for contrastive learning on CT slices (METHOD.md, "views"): random resized
 * crop (scale 0.2–1, aspect 3/4–4/3, as torchvision), horizontal/vertical flips, a small rotation,
 * brightness/contrast/gamma jitter, Gaussian blur and Gaussian noise. No hue or colour: CT is grey.
 *
 * Every view keeps its geometry (`ViewGeometry`): the crop box in original-image pixels, the flips and
 * the rotation, with `viewToImage`/`imageToView` to map points both ways, so that the local loss can
 * find corresponding regions of the two views.
 *
 * Works on Float32Array slices (CPU, before batching into tensors): cheap per image, and the same
 * seeded generator gives the same views on every backend.
 */
import { uniform, type RandomSource } from './random';
import type { Slice } from './volume';

export interface CropBox {
  /** Top-left corner and size in original-image pixel units (continuous coordinates, 0..width). */
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ViewGeometry {
  box: CropBox;
  flipH: boolean;
  flipV: boolean;
  /** Rotation in radians about the box centre (positive = counter-clockwise in image coordinates). */
  rotation: number;
  /** Output size. */
  width: number;
  height: number;
  /** Size of the source image. */
  srcWidth: number;
  srcHeight: number;
}

export interface AugmentConfig {
  /** Output size [width, height]. */
  size: [number, number];
  /** Crop area as a fraction of the image. Default [0.2, 1]. */
  scale?: [number, number];
  /** Crop aspect ratio range. Default [3/4, 4/3]. */
  ratio?: [number, number];
  /** Probability of a horizontal flip. Default 0.5. */
  flipH?: number;
  /** Probability of a vertical flip. Default 0. */
  flipV?: number;
  /** Maximum absolute rotation in degrees. Default 10. */
  rotationDeg?: number;
  /** Probability of applying the intensity jitter. Default 0.8. */
  jitterProb?: number;
  /** Brightness: add U(−b, b) (in normalised intensity units). Default 0.2. */
  brightness?: number;
  /** Contrast: scale around the mean by U(1 − c, 1 + c). Default 0.2. */
  contrast?: number;
  /** Gamma range applied to values clipped to [0, 1] (windowed images only; null to skip). Default [0.8, 1.25]. */
  gamma?: [number, number] | null;
  /** Probability of a Gaussian blur. Default 0.5. */
  blurProb?: number;
  /** Blur σ range in output pixels. Default [0.1, 1.5]. */
  blurSigma?: [number, number];
  /** Gaussian noise std (normalised intensity units). Default 0.02; 0 disables. */
  noiseStd?: number;
  /** Value outside the image (after rotation). Default 0 (the bottom of a [0, 1] window). */
  fill?: number;
}

export interface View {
  image: Slice;
  geometry: ViewGeometry;
  /** The intensity operations applied (for logs and tests). */
  intensity: { brightness: number; contrast: number; gamma: number; blurSigma: number; noiseStd: number };
}

/** torchvision's RandomResizedCrop box: 10 tries at a random area/aspect, then a centre crop. */
export function randomResizedCropBox(r: RandomSource, width: number, height: number, scale: [number, number] = [0.2, 1], ratio: [number, number] = [3 / 4, 4 / 3]): CropBox {
  const area = width * height;
  const logR = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(r, scale[0], scale[1]);
    const aspect = Math.exp(uniform(r, logR[0], logR[1]));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const x = Math.floor(r.next() * (width - w + 1));
      const y = Math.floor(r.next() * (height - h + 1));
      return { x, y, w, h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h };
}

/** Maps a point of the view (continuous pixel coordinates, 0..width) to original-image coordinates. */
export function viewToImage(g: ViewGeometry, px: number, py: number): [number, number] {
  let u = px / g.width;
  let v = py / g.height;
  if (g.flipH) u = 1 - u;
  if (g.flipV) v = 1 - v;
  const dx = (u - 0.5) * g.box.w;
  const dy = (v - 0.5) * g.box.h;
  const c = Math.cos(g.rotation);
  const s = Math.sin(g.rotation);
  return [g.box.x + g.box.w / 2 + c * dx - s * dy, g.box.y + g.box.h / 2 + s * dx + c * dy];
}

/** Maps an original-image point into the view (the inverse of `viewToImage`). */
export function imageToView(g: ViewGeometry, x: number, y: number): [number, number] {
  const ddx = x - (g.box.x + g.box.w / 2);
  const ddy = y - (g.box.y + g.box.h / 2);
  const c = Math.cos(g.rotation);
  const s = Math.sin(g.rotation);
  const dx = c * ddx + s * ddy;
  const dy = -s * ddx + c * ddy;
  let u = dx / g.box.w + 0.5;
  let v = dy / g.box.h + 0.5;
  if (g.flipH) u = 1 - u;
  if (g.flipV) v = 1 - v;
  return [u * g.width, v * g.height];
}

/**
 * Resamples the source through a view geometry (bilinear; `fill` outside). The view → image map is
 * affine in the pixel indices, so it is stepped incrementally; pixels whose four neighbours are inside
 * the image take a fast path without bounds checks.
 */
export function warpToView(src: Slice, g: ViewGeometry, fill = 0, mode: 'linear' | 'nearest' = 'linear'): Slice {
  const out = new Float32Array(g.width * g.height);
  const W = src.width;
  const H = src.height;
  const d = src.data;
  // pixel centres are at +0.5: (fx, fy) = image position − 0.5 of output pixel (c, r)
  const [x00, y00] = viewToImage(g, 0.5, 0.5);
  const [x10, y10] = viewToImage(g, 1.5, 0.5);
  const [x01, y01] = viewToImage(g, 0.5, 1.5);
  const ax = x10 - x00;
  const ay = y10 - y00;
  const bx = x01 - x00;
  const by = y01 - y00;
  const at = (ix: number, iy: number) => (ix >= 0 && iy >= 0 && ix < W && iy < H ? d[ix + W * iy] : fill);
  let o = 0;
  for (let r = 0; r < g.height; r++) {
    const rx = x00 - 0.5 + r * bx;
    const ry = y00 - 0.5 + r * by;
    for (let c = 0; c < g.width; c++, o++) {
      const fx = rx + c * ax;
      const fy = ry + c * ay;
      let v = fill;
      if (mode === 'nearest') {
        const ix = Math.round(fx);
        const iy = Math.round(fy);
        if (ix >= 0 && iy >= 0 && ix < W && iy < H) v = d[ix + W * iy];
      } else if (fx > -1 && fy > -1 && fx < W && fy < H) {
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const tx = fx - x0;
        const ty = fy - y0;
        if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
          const i = x0 + W * y0;
          const p00 = d[i];
          const p10 = d[i + 1];
          const p01 = d[i + W];
          const p11 = d[i + W + 1];
          const top = p00 + tx * (p10 - p00);
          const bot = p01 + tx * (p11 - p01);
          v = top + ty * (bot - top);
        } else {
          const top = at(x0, y0) + tx * (at(x0 + 1, y0) - at(x0, y0));
          const bot = at(x0, y0 + 1) + tx * (at(x0 + 1, y0 + 1) - at(x0, y0 + 1));
          v = top + ty * (bot - top);
        }
      }
      out[o] = v;
    }
  }
  return { data: out, width: g.width, height: g.height };
}

/** Separable Gaussian blur (edges clamped; the interior without clamping). */
export function gaussianBlur(s: Slice, sigma: number): Slice {
  if (!(sigma > 0)) return { data: s.data.slice(), width: s.width, height: s.height };
  const rad = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * rad + 1);
  let sum = 0;
  for (let i = -rad; i <= rad; i++) sum += k[i + rad] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { width: W, height: H } = s;
  const src = s.data;
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = W * y;
    for (let x = 0; x < W; x++) {
      let a = 0;
      if (x >= rad && x + rad < W) for (let i = -rad; i <= rad; i++) a += k[i + rad] * src[row + x + i];
      else for (let i = -rad; i <= rad; i++) a += k[i + rad] * src[row + Math.min(W - 1, Math.max(0, x + i))];
      tmp[row + x] = a;
    }
  }
  for (let y = 0; y < H; y++) {
    const inside = y >= rad && y + rad < H;
    for (let x = 0; x < W; x++) {
      let a = 0;
      if (inside) for (let i = -rad; i <= rad; i++) a += k[i + rad] * tmp[x + W * (y + i)];
      else for (let i = -rad; i <= rad; i++) a += k[i + rad] * tmp[x + W * Math.min(H - 1, Math.max(0, y + i))];
      out[x + W * y] = a;
    }
  }
  return { data: out, width: W, height: H };
}

/**
 * Adds Gaussian noise N(0, std²) in place. One draw from `r` seeds a local mulberry32 stream, and
 * Box–Muller uses both of its outputs: the same numbers for the same `r`, several times faster than a
 * draw from `r` per pixel.
 */
export function addGaussianNoise(data: Float32Array, std: number, r: RandomSource): void {
  let a = Math.floor(r.next() * 4294967296) >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = data.length;
  for (let i = 0; i < n; i += 2) {
    let u = next();
    while (u <= 1e-12) u = next();
    const rad = std * Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * next();
    data[i] += rad * Math.cos(th);
    if (i + 1 < n) data[i + 1] += rad * Math.sin(th);
  }
}

const GAMMA_STEPS = 1024;

function gammaTable(gamma: number): Float64Array {
  const t = new Float64Array(GAMMA_STEPS + 1);
  for (let i = 0; i <= GAMMA_STEPS; i++) t[i] = Math.pow(i / GAMMA_STEPS, gamma);
  return t;
}

/** One augmented view of a slice. */
export function augmentView(src: Slice, cfg: AugmentConfig, r: RandomSource): View {
  const [width, height] = cfg.size;
  const box = randomResizedCropBox(r, src.width, src.height, cfg.scale ?? [0.2, 1], cfg.ratio ?? [3 / 4, 4 / 3]);
  const maxRot = ((cfg.rotationDeg ?? 10) * Math.PI) / 180;
  const geometry: ViewGeometry = {
    box,
    flipH: r.next() < (cfg.flipH ?? 0.5),
    flipV: r.next() < (cfg.flipV ?? 0),
    rotation: maxRot > 0 ? uniform(r, -maxRot, maxRot) : 0,
    width,
    height,
    srcWidth: src.width,
    srcHeight: src.height,
  };
  let img = warpToView(src, geometry, cfg.fill ?? 0);
  const d = img.data;
  const intensity = { brightness: 0, contrast: 1, gamma: 1, blurSigma: 0, noiseStd: 0 };
  if (r.next() < (cfg.jitterProb ?? 0.8)) {
    const b = cfg.brightness ?? 0.2;
    const c = cfg.contrast ?? 0.2;
    intensity.brightness = b > 0 ? uniform(r, -b, b) : 0;
    intensity.contrast = c > 0 ? uniform(r, 1 - c, 1 + c) : 1;
    const g = cfg.gamma === undefined ? [0.8, 1.25] : cfg.gamma;
    intensity.gamma = g ? Math.exp(uniform(r, Math.log(g[0]), Math.log(g[1]))) : 1;
    let mean = 0;
    for (let i = 0; i < d.length; i++) mean += d[i];
    mean /= d.length;
    const ct = intensity.contrast;
    const shift = mean - mean * ct + intensity.brightness;
    if (g) {
      // x^gamma on [0, 1] from a table with linear interpolation (error < 1e-5 above 0.01, < 2e-3 near 0: far below the view noise)
      const lut = gammaTable(intensity.gamma);
      for (let i = 0; i < d.length; i++) {
        const x = d[i] * ct + shift;
        const t = (x <= 0 ? 0 : x >= 1 ? 1 : x) * GAMMA_STEPS;
        const j = t >= GAMMA_STEPS ? GAMMA_STEPS - 1 : Math.floor(t);
        d[i] = lut[j] + (t - j) * (lut[j + 1] - lut[j]);
      }
    } else {
      for (let i = 0; i < d.length; i++) d[i] = d[i] * ct + shift;
    }
  }
  if (r.next() < (cfg.blurProb ?? 0.5)) {
    const s = cfg.blurSigma ?? [0.1, 1.5];
    intensity.blurSigma = uniform(r, s[0], s[1]);
    img = gaussianBlur(img, intensity.blurSigma);
  }
  const ns = cfg.noiseStd ?? 0.02;
  if (ns > 0) {
    intensity.noiseStd = ns;
    addGaussianNoise(img.data, ns, r);
  }
  return { image: img, geometry, intensity };
}

/** The two views of one slice for MoCo (query and key), each with its own geometry. */
export function twoViews(src: Slice, cfg: AugmentConfig, r: RandomSource): [View, View] {
  return [augmentView(src, cfg, r), augmentView(src, cfg, r)];
}

/** Intersection of the two views' crop boxes in original-image coordinates (axis-aligned, ignoring rotation), or null. */
export function boxIntersection(a: CropBox, b: CropBox): CropBox | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x1 > x && y1 > y ? { x, y, w: x1 - x, h: y1 - y } : null;
}
