/**
 * `medssl export <runDir> [--format safetensors] [--out FILE] [--json]`
 *
 * The pretrained encoder (query side of the newest complete checkpoint) and its projector as a
 * .safetensors file in torchvision's ResNet names and layouts, with `load_in_pytorch.py` beside it.
 * Default output: <runDir>/export/<run id>.safetensors. Bad input (not a run folder, no complete
 * checkpoint, an unknown format, an output that cannot be written) → exit 2 with one line naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, loadConfig } from '../../core/config';
import { loadForExport, safetensorsOf, writeExport } from '../../core/export/exportRun';
import { CONFIG_YAML, readRun, type RunJson } from '../../core/runs';
import { latestCheckpoint } from '../../core/train/checkpoint';
import { EXIT } from '../errors';

export const EXPORT_FORMATS = ['safetensors'] as const;

export interface ExportArgs {
  runDir: string;
  format: string;
  out?: string;
  json: boolean;
}

type Out = (s: string) => void;

async function checkExportable(dir: string, err: Out): Promise<{ error: string } | { run: RunJson; checkpoint: string }> {
  if (!fs.existsSync(dir)) return { error: `${dir}: no such folder` };
  if (!fs.statSync(dir).isDirectory()) return { error: `${dir}: not a run folder (a file, not a folder)` };
  let run: RunJson;
  try {
    run = readRun(dir);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (!fs.existsSync(path.join(dir, CONFIG_YAML))) return { error: `${dir}: not a run folder (no ${CONFIG_YAML})` };
  if (run.stage === 'linear' || run.stage === 'finetune') {
    return {
      error: `${dir}: run ${run.id} is a ${run.stage} evaluation; export its source pretraining run (its encoder is the one evaluated)`,
    };
  }
  let checkpoint: string | null;
  try {
    checkpoint = await latestCheckpoint(dir, (w) => err(`warning: ${w}`));
  } catch (e) {
    return { error: `${dir}: ${(e as Error).message}` };
  }
  if (!checkpoint) return { error: `${dir}: no complete checkpoint (checkpoints/latest) to export; the pretraining saved none` };
  return { run, checkpoint };
}

export async function exportCommand(args: ExportArgs, out: Out, err: Out): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(args.format)) {
    err(`medssl export: --format takes ${EXPORT_FORMATS.join(' or ')}, got '${args.format}'`);
    return EXIT.badInput;
  }
  const dir = path.resolve(args.runDir);
  const checked = await checkExportable(dir, err);
  if ('error' in checked) {
    err(`medssl export: ${checked.error}`);
    return EXIT.badInput;
  }
  const { run, checkpoint } = checked;
  if (run.status !== 'completed')
    err(`warning: ${dir}: run ${run.id} is ${run.status}; exporting its checkpoint ${path.basename(checkpoint)}`);
  const configFile = path.join(dir, CONFIG_YAML);
  let config;
  try {
    config = (await loadConfig(configFile)).config;
  } catch (e) {
    err(e instanceof ConfigError ? e.message : `medssl export: ${configFile}: ${(e as Error).message}`);
    return EXIT.badInput;
  }
  let bytes: Buffer;
  try {
    // Export only reads and rearranges weights (no training): the pure-JS backend, which needs no setup.
    await tf.setBackend('cpu');
    await tf.ready();
    const m = await loadForExport(config, checkpoint);
    try {
      bytes = await safetensorsOf(m.encoder, m.projector, { runId: run.id, config, checkpoint });
    } finally {
      m.store.dispose();
    }
  } catch (e) {
    err(`medssl export: ${checkpoint}: ${(e as Error).message.split('\n').join(' ')}`);
    return EXIT.badInput;
  }
  const file = path.resolve(args.out ?? path.join(dir, 'export', `${run.id}.safetensors`));
  let written: { file: string; loader: string };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    written = await writeExport(file, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'no space left on the device'
          : code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR'
            ? 'a file or folder is in the way'
            : (e as Error).message;
    err(`medssl export: cannot write ${file}: ${reason}`);
    return EXIT.badInput;
  }
  if (args.json)
    out(JSON.stringify({ type: 'export', file: written.file, loader: written.loader, runId: run.id, checkpoint, bytes: bytes.byteLength }));
  else {
    out(written.file);
    out(written.loader);
  }
  return EXIT.ok;
}
