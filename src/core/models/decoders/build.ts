/** The fine-tuning decoder a config names, on an encoder's four stage maps, in `store` under 'decoder'. */
import type { ParamStore } from '../module';
import type { ResNetEncoder } from '../resnet';
import { DeepLabV3PlusDecoder } from './deeplab';
import { UNetDecoder, type SegDecoder } from './unet';

export function buildDecoder(kind: 'unet' | 'deeplabv3plus', encoder: ResNetEncoder, numClasses: number, store: ParamStore): SegDecoder {
  const ch = encoder.config.stageChannels;
  return kind === 'unet'
    ? new UNetDecoder(store.scope('decoder'), ch, numClasses)
    : new DeepLabV3PlusDecoder(store.scope('decoder'), ch, numClasses);
}
