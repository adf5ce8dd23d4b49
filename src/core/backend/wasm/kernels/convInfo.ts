// Convolution geometry shared by the conv gradient kernels (NHWC only).
import * as tf from '@tensorflow/tfjs';
import { pair } from './util';

export interface ConvGeom {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padT: number;
  padL: number;
}

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export function convGeom(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: unknown,
  dilations: unknown,
  pad: unknown,
  dimRoundingMode: unknown,
  dataFormat: unknown,
  depthwise = false,
): ConvGeom {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm training kernels support only NHWC (channelsLast) convolutions, got ${String(dataFormat)}`);
  }
  const s = pair(strides as number | number[]);
  const d = pair(dilations as number | number[] | undefined);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    s,
    d,
    pad as Pad,
    (dimRoundingMode ?? undefined) as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    'channelsLast',
  );
  return geomOf(info);
}

/** Our geometry from tfjs's (a convolution's, or a pool's, whose dilation is 1). */
export function geomOf(info: tf.backend_util.Conv2DInfo): ConvGeom {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    co: info.outChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    padT: info.padInfo.top,
    padL: info.padInfo.left,
  };
}
