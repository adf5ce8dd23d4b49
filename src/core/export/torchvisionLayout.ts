/**
 * Our encoder's variables in torchvision's ResNet names and layouts (and back, in torchvisionImport.ts).
 *   conv:  ours `<m>.weight` [kh, kw, cin, cout] (tfjs HWIO)  → `<m>.weight` [cout, cin, kh, kw] (OIHW)
 *   bn:    gamma, beta, running_mean, running_var              → weight, bias, running_mean, running_var,
 *          plus num_batches_tracked (int64 scalar) that torchvision's BatchNorm2d holds
 *   block shortcut: `shortcut.conv` / `shortcut.bn`           → `downsample.0` / `downsample.1`
 *   projector fc1/fc2: [in, out]                              → `projector.fc1.weight` [out, in] (nn.Linear)
 * The whitening layer in evaluation mode is an affine map across channels,
 *   y_o = γ_o Σ_i W[g; i, o'] (x_i − μ_i) + β_o   (i, o in the same group g of c channels),
 * i.e. a 1×1 convolution with bias; it is written under the name of the BatchNorm it replaced
 * (`layer4.1.bn2` for ResNet-18/34, `layer4.2.bn3` for ResNet-50), or, before the pooling, as
 * `avgpool.0` (the loader makes avgpool `Sequential(conv, AdaptiveAvgPool2d)`), computed in float64.
 */
import type { ResNetEncoder } from '../models/resnet';
import type { Projector } from '../models/projector';
import type { Whitening } from '../models/whitening';
import type { SafeTensorIn } from './safetensors';

/** Our logical module name → torchvision's (the part before `.weight`, `.gamma`, ...). */
export function torchvisionModuleName(ours: string): string {
  return ours
    .replace(/\.shortcut\.conv$/, '.downsample.0')
    .replace(/\.shortcut\.bn$/, '.downsample.1')
    .replace(/\.whiten([23])$/, '.bn$1')
    .replace(/^whiten_pool$/, 'avgpool.0');
}

/** HWIO [kh, kw, cin, cout] → OIHW [cout, cin, kh, kw]. */
export function hwioToOihw(v: ArrayLike<number>, shape: number[]): { data: Float32Array; shape: number[] } {
  const [kh, kw, ci, co] = shape;
  const out = new Float32Array(v.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = v[((y * kw + x) * ci + i) * co + o];
  return { data: out, shape: [co, ci, kh, kw] };
}

/** [in, out] → [out, in]. */
export function transpose2d(v: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

/** The evaluation-mode whitening layer as a 1×1 convolution: weight [C, C, 1, 1] and bias [C]. */
export async function whiteningAsConv(w: Whitening): Promise<{ weight: Float32Array; bias: Float32Array }> {
  const C = w.channels;
  const c = w.groupSize;
  const G = w.groups;
  const mu = await w.runningMean.data();
  const W = await w.runningW.data(); // [G, c, c]
  const gamma = w.gamma ? await w.gamma.data() : new Float32Array(C).fill(1);
  const beta = w.beta ? await w.beta.data() : new Float32Array(C);
  const weight = new Float32Array(C * C);
  const bias = new Float32Array(C);
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < c; j++) {
      const o = g * c + j;
      let shift = 0;
      for (let i = 0; i < c; i++) {
        const wij = W[(g * c + i) * c + j];
        weight[o * C + g * c + i] = gamma[o] * wij;
        shift += mu[g * c + i] * wij;
      }
      bias[o] = beta[o] - gamma[o] * shift;
    }
  }
  return { weight, bias };
}

const BN_FIELDS: Record<string, string> = { gamma: 'weight', beta: 'bias', running_mean: 'running_mean', running_var: 'running_var' };

/** Every encoder tensor in torchvision's names and layouts (no `fc`: the encoder ends at the pooled vector). */
export async function encoderToTorchvision(encoder: ResNetEncoder): Promise<SafeTensorIn[]> {
  const out: SafeTensorIn[] = [];
  const whiteningPrefix = whiteningModule(encoder);
  const bnModules = new Set<string>();
  for (const v of encoder.namedVariables()) {
    const dot = v.name.lastIndexOf('.');
    const mod = v.name.slice(0, dot);
    const field = v.name.slice(dot + 1);
    if (whiteningPrefix && mod === whiteningPrefix) continue;
    const tv = torchvisionModuleName(mod);
    const values = (await v.variable.data()) as Float32Array;
    if (field === 'weight' && v.variable.rank === 4) {
      const t = hwioToOihw(values, v.variable.shape);
      out.push({ name: `${tv}.weight`, shape: t.shape, data: t.data });
    } else if (field in BN_FIELDS) {
      out.push({ name: `${tv}.${BN_FIELDS[field]}`, shape: [...v.variable.shape], data: Float32Array.from(values) });
      bnModules.add(tv);
    } else {
      throw new Error(`export: encoder variable '${v.name}' has no torchvision counterpart`);
    }
  }
  for (const m of bnModules) out.push({ name: `${m}.num_batches_tracked`, shape: [], data: new BigInt64Array([0n]) });
  if (encoder.whitening && whiteningPrefix) {
    const C = encoder.whitening.channels;
    const { weight, bias } = await whiteningAsConv(encoder.whitening);
    const tv = torchvisionModuleName(whiteningPrefix);
    out.push({ name: `${tv}.weight`, shape: [C, C, 1, 1], data: weight });
    out.push({ name: `${tv}.bias`, shape: [C], data: bias });
  }
  return out;
}

/** Our module name of the whitening layer (`layer4.1.whiten2`), or null. */
export function whiteningModule(encoder: ResNetEncoder): string | null {
  if (!encoder.whitening) return null;
  const cfg = encoder.config;
  // Before the pooling there is no BatchNorm to stand in for: the 1×1 conv goes in front of torchvision's
  // avgpool (`avgpool = Sequential(conv, AdaptiveAvgPool2d)`); in evaluation mode an affine map commutes
  // with the average, so conv-then-pool is the layer exactly.
  if (cfg.whiteningPosition === 'beforePool') return 'whiten_pool';
  const last = cfg.blocks[3] - 1;
  return `layer4.${last}.${cfg.block === 'basic' ? 'whiten2' : 'whiten3'}`;
}

/** The projector's linear layers as nn.Linear tensors under `prefix` (default 'projector'). */
export async function projectorToTorch(p: Projector, prefix = 'projector'): Promise<SafeTensorIn[]> {
  const out: SafeTensorIn[] = [];
  for (const [name, fc] of [
    ['fc1', p.fc1],
    ['fc2', p.fc2],
  ] as const) {
    out.push({
      name: `${prefix}.${name}.weight`,
      shape: [fc.outFeatures, fc.inFeatures],
      data: transpose2d(await fc.weight.data(), fc.inFeatures, fc.outFeatures),
    });
    if (fc.bias) out.push({ name: `${prefix}.${name}.bias`, shape: [fc.outFeatures], data: Float32Array.from(await fc.bias.data()) });
  }
  return out;
}
