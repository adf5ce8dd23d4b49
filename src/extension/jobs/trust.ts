/** Workspace Trust guard for anything that starts a job (no `vscode` import: unit-tested in plain Node). */
export const UNTRUSTED_MESSAGE =
  'MedSSL: training is disabled in an untrusted workspace — a job runs code and reads data paths from this folder. Configs can still be opened and validated. Trust the workspace (Manage Workspace Trust) to train.';

/** Why a job may not start, or undefined when it may. */
export function jobBlockedReason(isTrusted: boolean): string | undefined {
  return isTrusted ? undefined : UNTRUSTED_MESSAGE;
}

/** The CLI arguments of `medssl run` for a config (backend passed as an override unless auto). */
export function trainArgs(configPath: string, runsDir: string, backend: string | undefined): string[] {
  const args = ['run', configPath, '--json', '--runs-dir', runsDir];
  if (backend && backend !== 'auto') args.push('--set', `backend=${backend}`);
  return args;
}

export function resumeArgs(runDir: string, runsDir: string, backend: string | undefined): string[] {
  const args = ['run', '--resume', runDir, '--json', '--runs-dir', runsDir];
  if (backend && backend !== 'auto') args.push('--set', `backend=${backend}`);
  return args;
}

/** `medssl evaluate`: a run's checkpoint evaluated into a new run folder in `runsDir`. */
export function evaluateArgs(runDir: string, mode: 'linear' | 'finetune', runsDir: string, backend: string | undefined): string[] {
  const args = ['evaluate', runDir, '--mode', mode, '--json', '--runs-dir', runsDir];
  if (backend && backend !== 'auto') args.push('--set', `backend=${backend}`);
  return args;
}

export const CONFIG_FILE_PATTERN = /\.medssl\.(ya?ml|json)$/i;
