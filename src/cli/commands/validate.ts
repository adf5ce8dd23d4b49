import { formatProblem, validateConfigFile } from '../../core/config';
import { EXIT } from '../errors';
import { preflightRun } from './preflight';

/**
 * `medssl validate <config> [--no-data]`: exit 0 and "ok: <file>" (warnings, if any, on stderr), or exit
 * 2 with every problem as `file:line:col: message` on stderr. A missing or unreadable file is exit 2
 * naming it. When the config is valid, the data it points at is checked as `medssl run` would before its
 * first step (the dataset's checks, labels for the configured evaluations, the slice size), so a
 * problem that would stop the run after hours is found now; `--no-data` skips that (no file is read).
 */
export async function validateCommand(
  args: { path: string; set?: string[]; data?: boolean },
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const r = await validateConfigFile(args.path, { overrides: args.set });
  for (const p of r.problems) err(formatProblem(p));
  if (!r.ok) {
    const n = r.problems.filter((p) => p.severity === 'error').length;
    err(`${args.path}: ${n} problem${n === 1 ? '' : 's'}`);
    return EXIT.badInput;
  }
  if (args.data !== false && r.config) {
    const pre = await preflightRun(r.config, { who: 'medssl validate', source: args.path }, err);
    if (!pre.ok) return EXIT.badInput;
  }
  out(`ok: ${args.path}${args.data === false ? ' (the data was not checked: --no-data)' : ''}`);
  return EXIT.ok;
}
