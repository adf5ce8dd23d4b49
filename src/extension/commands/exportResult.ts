/**
 * The vscode-free parts of MedSSL: Export Weights… (unit-tested): the worker's arguments, the default
 * file, and what the user is told from the worker's exit code and output.
 */
import * as path from 'node:path';

/** `<runDir>/export/<run folder name>.safetensors` (the CLI's own default names the run id; the folder name is the id). */
export function defaultExportFile(runDir: string): string {
  return path.join(runDir, 'export', `${path.basename(runDir)}.safetensors`);
}

export function exportArgs(runDir: string, file: string): string[] {
  return ['export', runDir, '--format', 'safetensors', '--out', file, '--json'];
}

export type ExportOutcome = { ok: true; file: string; loader: string; bytes: number } | { ok: false; reason: string };

/** Reads `medssl export --json`'s result: its one JSON line, or the last error line (exit 2 prints one). */
export function exportOutcome(code: number, stdout: string, stderr: string): ExportOutcome {
  if (code === 0) {
    const line = stdout.trim().split('\n').pop() ?? '';
    try {
      const r = JSON.parse(line) as { type?: string; file?: string; loader?: string; bytes?: number };
      if (r.type === 'export' && r.file && r.loader) return { ok: true, file: r.file, loader: r.loader, bytes: r.bytes ?? 0 };
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
