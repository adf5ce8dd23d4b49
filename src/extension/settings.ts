/**
 * The one place the extension reads its medssl.* settings (package.json "configuration"): every command
 * asks here, so a setting's name, default and fallback are written once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SlurmSettings } from './jobs/slurmJobs';

const section = () => vscode.workspace.getConfiguration('medssl');

export const settings = {
  /** medssl.backend: passed to every job as `--set backend=…` unless auto. */
  backend: (): string => section().get<string>('backend', 'auto'),
  /** medssl.nodePath: the Node.js that runs the worker (empty: found on this machine). */
  nodePath: (): string => section().get<string>('nodePath', ''),
  /** medssl.runsDir: absolute, or relative to the workspace folder. */
  runsDir: (): string => section().get<string>('runsDir', 'runs') || 'runs',
  maxConcurrentJobs: (): number => section().get<number>('maxConcurrentJobs', 1),
  stopGraceMs: (): number => 1000 * section().get<number>('stopGraceSeconds', 30),
  /** medssl.slurm.*: non-empty values override the config's executor.slurm. */
  slurm: (): SlurmSettings => {
    const c = vscode.workspace.getConfiguration('medssl.slurm');
    return {
      partition: c.get<string>('partition', ''),
      gpus: c.get<number | null>('gpus', null),
      cpus: c.get<number | null>('cpus', null),
      mem: c.get<string>('mem', ''),
      time: c.get<string>('time', ''),
      account: c.get<string>('account', ''),
      extraLines: c.get<string[]>('extraLines', []),
      ssh: c.get<string>('ssh', ''),
      node: c.get<string>('node', ''),
    };
  },
};

/** The runs folder: medssl.runsDir, relative to the config's workspace folder (else the first one). */
export function runsDirFor(configFile?: string): string | undefined {
  const setting = settings.runsDir();
  if (path.isAbsolute(setting)) return setting;
  const ws = (configFile && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(configFile))) || vscode.workspace.workspaceFolders?.[0];
  if (ws) return path.join(ws.uri.fsPath, setting);
  return configFile ? path.join(path.dirname(configFile), setting) : undefined;
}
