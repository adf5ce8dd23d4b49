/**
 * What a PyTorch user needs to rebuild the exported encoder: written as JSON into the safetensors
 * metadata (`architecture`) and read by load_in_pytorch.py. `torchvision` names the constructor when
 * torchvision builds this exact shape (standard widths and the 7×7 stem); otherwise it is null and the
 * loader assembles the same module tree from torchvision's BasicBlock / Bottleneck with these widths.
 */
import type { ResNetEncoder } from '../models/resnet';
import { torchvisionModuleName, whiteningModule } from './torchvisionLayout';

export interface ExportedArchitecture {
  depth: 18 | 34 | 50;
  block: 'basic' | 'bottleneck';
  blocks: [number, number, number, number];
  /** Stage widths (bottleneck: inner width; a stage outputs 4×). */
  widths: [number, number, number, number];
  stem_width: number;
  /** 'imagenet': 7×7/2 conv + 3×3/2 max-pool; 'small': 3×3/1 conv, no pool. */
  stem: 'imagenet' | 'small';
  /** Channels of conv1 (3 when the 1-channel slice is repeated). */
  conv1_in_channels: number;
  /** Channels of the data the run trained on. */
  input_channels: number;
  repeat_to_three_channels: boolean;
  bn_eps: number;
  /** torchvision module that holds the whitening 1×1 conv: in place of its BatchNorm, or `avgpool.0` before the pooling; null without whitening. */
  whitening_conv: string | null;
  feature_dim: number;
  /** e.g. 'resnet50' when `torchvision.models.resnet50()` builds these shapes (conv1 aside), else null. */
  torchvision: 'resnet18' | 'resnet34' | 'resnet50' | null;
}

export function describeArchitecture(encoder: ResNetEncoder): ExportedArchitecture {
  const c = encoder.config;
  const standard = c.stem === 'imagenet' && c.stemWidth === 64 && c.widths.join() === '64,128,256,512';
  const w = whiteningModule(encoder);
  return {
    depth: c.depth,
    block: c.block,
    blocks: [...c.blocks] as ExportedArchitecture['blocks'],
    widths: [...c.widths] as ExportedArchitecture['widths'],
    stem_width: c.stemWidth,
    stem: c.stem,
    conv1_in_channels: c.repeatToThreeChannels ? 3 : c.inChannels,
    input_channels: c.inChannels,
    repeat_to_three_channels: c.repeatToThreeChannels,
    bn_eps: c.bnEpsilon,
    whitening_conv: w ? torchvisionModuleName(w) : null,
    feature_dim: c.featureDim,
    torchvision: standard ? (`resnet${c.depth}` as const) : null,
  };
}
