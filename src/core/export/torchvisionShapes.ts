/**
 * The torchvision tensor names and shapes an encoder of a given architecture loads, computed without
 * TensorFlow (config validation runs in the extension host too), and the comparison of those against a
 * file's header that both `validate` and the loader use, so the two can never disagree.
 */
import type { ModelConfig } from '../config/types';

export interface EncoderShapeSpec {
  depth: 18 | 34 | 50;
  widths: [number, number, number, number];
  stemWidth: number;
  stem: 'imagenet' | 'small';
  /** Channels conv1 takes (3 when the slice is repeated to 3 channels). */
  conv1In: number;
  /** The last block's last norm is a whitening layer (not loaded from a torchvision file). */
  whitening: boolean;
}

const BLOCKS = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] } as const;

/** The spec of a config's encoder (the same defaults as models/resnet.ts and train/mocoSetup.ts). */
export function specFromModelConfig(m: ModelConfig): EncoderShapeSpec {
  const depth = ({ resnet18: 18, resnet34: 34, resnet50: 50 } as const)[m.arch];
  const widths = m.widths ?? ([64, 128, 256, 512].map((w) => Math.max(1, Math.round(w * m.widthMultiplier))) as EncoderShapeSpec['widths']);
  return {
    depth,
    widths: [...widths] as EncoderShapeSpec['widths'],
    stemWidth: widths[0],
    stem: m.stem,
    conv1In: m.repeatToThreeChannels ? 3 : 1,
    whitening: m.whitening.enabled,
  };
}

/** torchvision module name of the norm the whitening layer replaces. */
export function whiteningSlot(s: EncoderShapeSpec): string {
  return `layer4.${BLOCKS[s.depth][3] - 1}.${s.depth === 50 ? 'bn3' : 'bn2'}`;
}

/** name → shape (OIHW for convolutions) of every tensor the encoder loads; the whitening slot is left out. */
export function torchvisionEncoderShapes(s: EncoderShapeSpec): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const conv = (name: string, cout: number, cin: number, k: number) => out.set(`${name}.weight`, [cout, cin, k, k]);
  const bn = (name: string, c: number) => {
    for (const f of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${name}.${f}`, [c]);
  };
  conv('conv1', s.stemWidth, s.conv1In, s.stem === 'imagenet' ? 7 : 3);
  bn('bn1', s.stemWidth);
  const exp = s.depth === 50 ? 4 : 1;
  let cin = s.stemWidth;
  for (let st = 0; st < 4; st++) {
    const w = s.widths[st];
    for (let b = 0; b < BLOCKS[s.depth][st]; b++) {
      const p = `layer${st + 1}.${b}`;
      const stride = st > 0 && b === 0 ? 2 : 1;
      if (exp === 1) {
        conv(`${p}.conv1`, w, cin, 3);
        bn(`${p}.bn1`, w);
        conv(`${p}.conv2`, w, w, 3);
        bn(`${p}.bn2`, w);
      } else {
        conv(`${p}.conv1`, w, cin, 1);
        bn(`${p}.bn1`, w);
        conv(`${p}.conv2`, w, w, 3);
        bn(`${p}.bn2`, w);
        conv(`${p}.conv3`, w * 4, w, 1);
        bn(`${p}.bn3`, w * 4);
      }
      if (stride !== 1 || cin !== w * exp) {
        conv(`${p}.downsample.0`, w * exp, cin, 1);
        bn(`${p}.downsample.1`, w * exp);
      }
      cin = w * exp;
    }
  }
  if (s.whitening) {
    const slot = whiteningSlot(s);
    for (const k of [...out.keys()]) if (k.startsWith(`${slot}.`)) out.delete(k);
  }
  return out;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * What keeps `file`'s tensors (name → shape) from loading into an encoder expecting `expected`:
 * missing tensors and shape differences, each naming the tensor and both shapes. A 3-channel conv1
 * is accepted for a 1-channel encoder (its input channels are summed: the same response to a grey
 * image repeated to RGB). Extra tensors (fc.*, num_batches_tracked, a projector) are ignored.
 */
export function initShapeProblems(expected: Map<string, number[]>, file: Map<string, readonly number[]>, fileName: string): string[] {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [name, shape] of expected) {
    const got = file.get(name);
    if (!got) {
      missing.push(name);
      continue;
    }
    const summable =
      name === 'conv1.weight' &&
      shape[1] === 1 &&
      got.length === 4 &&
      got[1] === 3 &&
      got[0] === shape[0] &&
      got[2] === shape[2] &&
      got[3] === shape[3];
    if (!summable && fmt(got) !== fmt(shape))
      problems.push(`tensor '${name}' has shape ${fmt(got)} in ${fileName}, the model needs ${fmt(shape)}`);
  }
  if (missing.length > 0) {
    problems.unshift(
      `${fileName} lacks ${missing.length} tensor(s) of a torchvision ResNet encoder: ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''} (is it a torchvision ResNet state_dict saved as safetensors?)`,
    );
  }
  return problems;
}
