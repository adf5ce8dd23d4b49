/**
 * The vscode-free parts of MedSSL: Export Weights… (unit-tested): the formats and ONNX models offered,
 * the worker's arguments, the default file, and what the user is told from the worker's exit code and
 * output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ExportFormat = 'safetensors' | 'onnx';
export type OnnxModelChoice = 'finetune' | 'linear' | 'encoder';

/** The format quick pick's rows. */
export const EXPORT_FORMAT_ITEMS: ReadonlyArray<{ format: ExportFormat; label: string; detail: string }> = [
  {
    format: 'safetensors',
    label: 'safetensors (PyTorch)',
    detail: 'Pretrained encoder + projector, torchvision layout, load_in_pytorch.py beside it',
  },
  {
    format: 'onnx',
    label: 'ONNX (onnxruntime, 3D Slicer, OHIF)',
    detail: 'Segmentation model (logits [N,K,H,W]) or encoder alone, opset 17',
  },
];

export const ONNX_MODEL_LABELS: Record<OnnxModelChoice, { label: string; detail: string }> = {
  finetune: { label: 'Fine-tuned segmentation model', detail: 'encoder + decoder from the fine-tuning: logits [N,K,H,W]' },
  linear: { label: 'Linear-evaluation segmentation model', detail: 'encoder + 1×1 linear head: logits [N,K,H,W]' },
  encoder: { label: 'Encoder alone', detail: 'pooled features [N,d]' },
};

/**
 * The ONNX models a run folder can give, best first: its saved segmentation models (models/<kind>/),
 * then the encoder (of a saved model, or of the newest checkpoint). Empty: nothing to export as ONNX.
 */
export function onnxChoices(runDir: string): OnnxModelChoice[] {
  const out: OnnxModelChoice[] = [];
  for (const kind of ['finetune', 'linear'] as const) if (fs.existsSync(path.join(runDir, 'models', kind, 'model.json'))) out.push(kind);
  if (out.length || fs.existsSync(path.join(runDir, 'checkpoints', 'latest'))) out.push('encoder');
  return out;
}

/**
 * `<runDir>/export/<run folder name>.safetensors`, or `…/<name>-<model>.onnx` (the CLI's own defaults
 * name the run id; the folder name is the id).
 */
export function defaultExportFile(runDir: string, format: ExportFormat = 'safetensors', model: OnnxModelChoice = 'encoder'): string {
  const name = path.basename(runDir);
  return path.join(runDir, 'export', format === 'onnx' ? `${name}-${model}.onnx` : `${name}.safetensors`);
}

export function exportArgs(runDir: string, file: string, format: ExportFormat = 'safetensors', model?: OnnxModelChoice): string[] {
  return ['export', runDir, '--format', format, ...(format === 'onnx' && model ? ['--model', model] : []), '--out', file, '--json'];
}

export type ExportOutcome =
  { ok: true; format: ExportFormat; file: string; loader?: string; model?: string; bytes: number } | { ok: false; reason: string };

/** Reads `medssl export --json`'s result: its one JSON line, or the last error line (exit 2 prints one). */
export function exportOutcome(code: number, stdout: string, stderr: string): ExportOutcome {
  if (code === 0) {
    const line = stdout.trim().split('\n').pop() ?? '';
    try {
      const r = JSON.parse(line) as { type?: string; format?: string; file?: string; loader?: string; model?: string; bytes?: number };
      if (r.type === 'export' && r.file && r.format === 'onnx' && r.model)
        return { ok: true, format: 'onnx', file: r.file, model: r.model, bytes: r.bytes ?? 0 };
      if (r.type === 'export' && r.file && r.loader)
        return { ok: true, format: 'safetensors', file: r.file, loader: r.loader, bytes: r.bytes ?? 0 };
    } catch {
      /* fall through */
    }
    return { ok: false, reason: `the worker answered without a result line: ${line.slice(0, 200)}` };
  }
  const last =
    stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('warning:'))
      .pop() ?? '';
  return { ok: false, reason: (last.replace(/^medssl( export)?: /, '') || `exit ${code}`).slice(0, 400) };
}

/** The lines that load the export in PyTorch (for the clipboard). */
export function pythonSnippet(loader: string): string {
  return `import sys; sys.path.insert(0, ${JSON.stringify(path.dirname(loader))})\nfrom load_in_pytorch import load\nencoder, projector, meta = load()\n`;
}

/** The lines that run an ONNX export with onnxruntime in Python (for the clipboard). */
export function onnxSnippet(file: string, model: string): string {
  const out = model === 'encoder' ? 'features' : 'logits';
  return (
    `import json, numpy as np, onnxruntime as ort\n` +
    `s = ort.InferenceSession(${JSON.stringify(file)})\n` +
    `meta = s.get_modelmeta().custom_metadata_map  # run_id, normalisation, class_names, ...\n` +
    `x = np.zeros((1, int(meta["input_channels"]), 64, 64), np.float32)  # slices in the run's normalisation, NCHW\n` +
    `${out} = s.run(["${out}"], {"x": x})[0]\n` +
    (out === 'logits' ? `labels = logits.argmax(1)\n` : '')
  );
}
