/**
 * ONNX models of what a run trained: the segmentation model (encoder + linear head, U-Net or DeepLabv3+
 * decoder) with input `x` [N, C, H, W] and output `logits` [N, K, H, W], or the encoder alone with output
 * `features` [N, d] (the pooled vector). float32, NCHW (onnxruntime, 3D Slicer and OHIF read NCHW; our
 * tfjs models are NHWC, so the weights are transposed, never the activations). Opset 17, evaluation
 * mode. What a user needs to feed the model is in metadata_props.
 */
import type { ExperimentConfig } from '../../config/types';
import type { SavedModelMeta } from '../../eval/savedModel';
import type { LinearHead } from '../../models/decoders/linear';
import type { SegDecoder } from '../../models/decoders/unet';
import type { ResNetEncoder } from '../../models/resnet';
import { codeVersion } from '../../runs/codeVersion';
import { describeArchitecture } from '../architecture';
import { normalisationOf } from '../exportRun';
import { headGraph } from './decoderGraph';
import { encoderGraph } from './encoderGraph';
import { OnnxGraph } from './graph';

export const ONNX_FORMAT = 'medssl-onnx';
export type OnnxModelKind = 'linear' | 'finetune' | 'encoder';

export interface OnnxInfo {
  runId: string;
  config: ExperimentConfig;
  /** The checkpoint or saved-model folder the weights came from (its name goes into the metadata). */
  source?: string;
}

export interface OnnxModel {
  bytes: Buffer;
  kind: OnnxModelKind;
  input: string;
  output: string;
  /** Operator types in node order. */
  ops: string[];
}

function commonMetadata(encoder: ResNetEncoder, info: OnnxInfo): Record<string, string> {
  const m: Record<string, string> = {
    format: ONNX_FORMAT,
    run_id: info.runId,
    code_version: codeVersion(),
    input_channels: String(encoder.config.inChannels),
    normalisation: JSON.stringify(normalisationOf(info.config)),
    architecture: JSON.stringify(describeArchitecture(encoder)),
    config: JSON.stringify(info.config),
  };
  if (info.source) m.source = info.source;
  return m;
}

/** The encoder alone: `x` [N, C, H, W] → `features` [N, d]. */
export async function encoderOnnx(encoder: ResNetEncoder, info: OnnxInfo): Promise<OnnxModel> {
  const g = new OnnxGraph();
  const C = encoder.config.inChannels;
  const x = g.input('x', ['N', C, 'H', 'W']);
  const { pooled } = await encoderGraph(g, encoder, x, true);
  if (!pooled) throw new Error('onnx export: the encoder graph has no pooled output');
  g.output(pooled, 'features', ['N', encoder.featureDim]);
  const bytes = g.encode({
    graphName: 'medssl_encoder',
    producerVersion: codeVersion(),
    docString: `MedSSL Studio encoder of run ${info.runId}: x [N, ${C}, H, W] in the run's normalisation -> features [N, ${encoder.featureDim}]`,
    metadata: { ...commonMetadata(encoder, info), model: 'encoder', input: 'x [N, C, H, W] float32', output: 'features [N, d] float32' },
  });
  return { bytes, kind: 'encoder', input: 'x', output: 'features', ops: g.opTypes() };
}

/** The segmentation model a run saved: `x` [N, C, H, W] → `logits` [N, K, H, W]. */
export async function segmentationOnnx(
  encoder: ResNetEncoder,
  head: LinearHead | SegDecoder,
  meta: SavedModelMeta,
  info: OnnxInfo,
): Promise<OnnxModel> {
  const g = new OnnxGraph();
  const C = encoder.config.inChannels;
  const K = meta.numClasses;
  const x = g.input('x', ['N', C, 'H', 'W']);
  const { stages } = await encoderGraph(g, encoder, x, false);
  const logits = await headGraph(g, head, stages, x);
  g.output(logits, 'logits', ['N', K, 'H', 'W']);
  const bytes = g.encode({
    graphName: `medssl_${meta.kind}_${meta.head}`,
    producerVersion: codeVersion(),
    docString:
      `MedSSL Studio ${meta.kind} segmentation model (${meta.head}) of run ${info.runId}: x [N, ${C}, H, W] in the run's ` +
      `normalisation (trained at ${meta.sliceSize}x${meta.sliceSize}) -> logits [N, ${K}, H, W]; argmax over axis 1 is the label`,
    metadata: {
      ...commonMetadata(encoder, info),
      model: meta.kind,
      head: meta.head,
      num_classes: String(K),
      class_names: JSON.stringify(meta.classNames),
      slice_size: String(meta.sliceSize),
      mean_foreground_dice: meta.meanForegroundDice === null ? 'null' : String(meta.meanForegroundDice),
      input: 'x [N, C, H, W] float32',
      output: 'logits [N, K, H, W] float32',
    },
  });
  return { bytes, kind: meta.kind, input: 'x', output: 'logits', ops: g.opTypes() };
}
