/**
 * `model.init.from`: a torchvision-layout ResNet encoder from a .safetensors file (e.g. ImageNet
 * weights saved from PyTorch, or our own export) into our encoder. OIHW convolutions become HWIO;
 * BatchNorm weight/bias/running statistics become γ/β/running statistics; `fc.*`, num_batches_tracked
 * and a projector are ignored. A 3-channel conv1 loads into a 1-channel encoder summed over its input
 * channels (a grey slice then gets the response the RGB filters give to it repeated to 3 channels).
 * The whitening layer, when the run has one, keeps its own initialisation: its running whitening
 * matrix is a statistic of this run's data, which the file does not hold.
 * Everything is checked (names, shapes: see torchvisionShapes.ts) before any variable is assigned.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { ResNetEncoder } from '../models/resnet';
import { decodeSafetensors, floatValues, type SafeTensorOut } from './safetensors';
import { initShapeProblems, torchvisionEncoderShapes, type EncoderShapeSpec } from './torchvisionShapes';
import { torchvisionModuleName, whiteningModule } from './torchvisionLayout';

const FIELD: Record<string, string> = { gamma: 'weight', beta: 'bias', running_mean: 'running_mean', running_var: 'running_var' };

export function specOfEncoder(e: ResNetEncoder): EncoderShapeSpec {
  const c = e.config;
  return {
    depth: c.depth,
    widths: c.widths,
    stemWidth: c.stemWidth,
    stem: c.stem,
    conv1In: c.repeatToThreeChannels ? 3 : c.inChannels,
    whitening: c.lastNorm !== 'batchnorm',
  };
}

/** OIHW [co, ci, kh, kw] → HWIO, summing the input channels to `ciOut` (1) when the file has more. */
function oihwToHwio(v: Float32Array, [co, ci, kh, kw]: readonly number[], ciOut: number): Float32Array {
  const out = new Float32Array(kh * kw * ciOut * co);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * ciOut + (ciOut === ci ? i : 0)) * co + o] += v[((o * ci + i) * kh + y) * kw + x];
  return out;
}

/** Loads `file` into `encoder` (all or nothing); returns the names of the variables loaded. */
export function loadTorchvisionEncoder(encoder: ResNetEncoder, file: string): string[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`model.init.from: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const st = decodeSafetensors(bytes, file);
  const shapes = new Map([...st.tensors].map(([k, t]) => [k, t.shape] as const));
  const problems = initShapeProblems(torchvisionEncoderShapes(specOfEncoder(encoder)), shapes, file);
  if (problems.length > 0) throw new Error(`model.init.from: ${problems.join('; ')}`);
  const skip = whiteningModule(encoder);
  const plan: Array<[string, tf.Variable, Float32Array]> = [];
  for (const v of encoder.namedVariables()) {
    const dot = v.name.lastIndexOf('.');
    const mod = v.name.slice(0, dot);
    if (mod === skip) continue;
    const field = v.name.slice(dot + 1);
    const tv = `${torchvisionModuleName(mod)}.${field === 'weight' ? 'weight' : FIELD[field]}`;
    const t = st.tensors.get(tv) as SafeTensorOut;
    const values = floatValues(t, tv, file);
    plan.push([v.name, v.variable, v.variable.rank === 4 ? oihwToHwio(values, t.shape, v.variable.shape[2] as number) : values]);
  }
  for (const [, variable, values] of plan) {
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  return plan.map(([name]) => name);
}
