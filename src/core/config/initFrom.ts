/**
 * `model.init.from`: the file resolved against the config's folder, and its tensors checked against
 * the encoder the config builds (names and shapes, from the header alone: no tensor data is read and
 * no TensorFlow is loaded), so a mismatch is a `validate` error before any run starts.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { readSafetensorsHeader } from '../export/safetensors';
import { initShapeProblems, specFromModelConfig, torchvisionEncoderShapes } from '../export/torchvisionShapes';
import type { ExperimentConfig } from './types';

/** Resolves `config.model.init.from` in place; returns the problems (empty when it loads). */
export function initFromProblems(config: ExperimentConfig, baseDir: string, checkFiles: boolean): string[] {
  const init = config.model.init;
  if (!init) return [];
  const rel = nodePath.isAbsolute(init.from) ? '' : ` (relative paths are relative to the config file's folder ${baseDir})`;
  const abs = nodePath.resolve(baseDir, init.from);
  init.from = abs;
  if (!checkFiles) return [];
  if (!fs.existsSync(abs)) return [`model.init.from: the file ${abs} does not exist${rel}`];
  let header;
  try {
    header = readSafetensorsHeader(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [`model.init.from: ${code ? `cannot read ${abs}: ${code}` : (e as Error).message}`];
  }
  const shapes = new Map([...header].map(([k, v]) => [k, v.shape] as const));
  return initShapeProblems(torchvisionEncoderShapes(specFromModelConfig(config.model)), shapes, abs).map((p) => `model.init.from: ${p}`);
}
