/** The worker's command lines for the jobs the extension starts (no `vscode` import: unit-tested in plain Node). */

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
