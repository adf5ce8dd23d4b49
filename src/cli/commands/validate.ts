import { formatProblem, validateConfigFile } from '../../core/config';
import { EXIT } from '../errors';

/**
 * `medssl validate <config>`: exit 0 and "ok: <file>" (warnings, if any, on stderr), or exit 2 with
 * every problem as `file:line:col: message` on stderr. A missing or unreadable file is exit 2 naming it.
 */
export async function validateCommand(args: { path: string; set?: string[] }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const r = await validateConfigFile(args.path, { overrides: args.set });
  for (const p of r.problems) err(formatProblem(p));
  if (!r.ok) {
    const n = r.problems.filter((p) => p.severity === 'error').length;
    err(`${args.path}: ${n} problem${n === 1 ? '' : 's'}`);
    return EXIT.badInput;
  }
  out(`ok: ${args.path}`);
  return EXIT.ok;
}
