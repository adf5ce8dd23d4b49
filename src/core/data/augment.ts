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
import { normal, uniform, type RandomSource } from './random';
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

/** Resamples the source through a view geometry (bilinear; `fill` outside). */
export function warpToView(src: Slice, g: ViewGeometry, fill = 0, mode: 'linear' | 'nearest' = 'linear'): Slice {
  const out = new Float32Array(g.width * g.height);
  const W = src.width;
  const H = src.height;
  const d = src.data;
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const [x, y] = viewToImage(g, c + 0.5, r + 0.5);
      // pixel centres are at +0.5
      const fx = x - 0.5;
      const fy = y - 0.5;
      let v = fill;
      if (mode === 'nearest') {
        const ix = Math.round(fx);
        const iy = Math.round(fy);
        if (ix >= 0 && iy >= 0 && ix < W && iy < H) v = d[ix + W * iy];
      } else if (fx > -1 && fy > -1 && fx < W && fy < H) {
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const ax = fx - x0;
        const ay = fy - y0;
        const at = (ix: number, iy: number) => (ix >= 0 && iy >= 0 && ix < W && iy < H ? d[ix + W * iy] : fill);
        const top = at(x0, y0) + ax * (at(x0 + 1, y0) - at(x0, y0));
        const bot = at(x0, y0 + 1) + ax * (at(x0 + 1, y0 + 1) - at(x0, y0 + 1));
        v = top + ay * (bot - top);
      }
      out[c + g.width * r] = v;
    }
  }
  return { data: out, width: g.width, height: g.height };
}

/** Separable Gaussian blur (edges clamped). */
export function gaussianBlur(s: Slice, sigma: number): Slice {
  if (!(sigma > 0)) return { data: s.data.slice(), width: s.width, height: s.height };
  const rad = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * rad + 1);
  let sum = 0;
  for (let i = -rad; i <= rad; i++) sum += k[i + rad] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { width: W, height: H } = s;
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let a = 0;
    for (let i = -rad; i <= rad; i++) a += k[i + rad] * s.data[Math.min(W - 1, Math.max(0, x + i)) + W * y];
    tmp[x + W * y] = a;
  }
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let a = 0;
    for (let i = -rad; i <= rad; i++) a += k[i + rad] * tmp[x + W * Math.min(H - 1, Math.max(0, y + i))];
    out[x + W * y] = a;
  }
  return { data: out, width: W, height: H };
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
    for (const x of d) mean += x;
    mean /= d.length;
    for (let i = 0; i < d.length; i++) {
      let x = (d[i] - mean) * intensity.contrast + mean + intensity.brightness;
      if (g) x = Math.pow(Math.min(1, Math.max(0, x)), intensity.gamma);
      d[i] = x;
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
    for (let i = 0; i < img.data.length; i++) img.data[i] += normal(r, 0, ns);
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
