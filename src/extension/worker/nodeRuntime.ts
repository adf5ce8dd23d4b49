import { execFile } from 'node:child_process';

/** How the worker process is started: which executable, and with which extra environment. */
export interface NodeRuntime {
  command: string;
  env: Record<string, string>;
  /** Said in the output channel: which runtime, and why. */
  description: string;
}

export const MIN_NODE_MAJOR = 18;

/** `node --version` of an executable, or undefined when it cannot run. */
export function probeNodeVersion(command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      const v = stdout.trim();
      resolve(/^v\d+\./.test(v) ? v : undefined);
    });
  });
}

function major(v: string): number {
  return Number(/^v(\d+)/.exec(v)?.[1] ?? 0);
}

/**
 * The runtime for jobs: the `medssl.nodePath` setting when given (it must run and be Node ≥ 18),
 * else `node` on PATH when ≥ 18, else VS Code's own runtime (Electron) with ELECTRON_RUN_AS_NODE=1,
 * which runs the portable WebAssembly backend but cannot load the native TensorFlow bindings.
 */
export async function resolveNodeRuntime(
  setting: string,
  ownExecPath: string,
  probe: (command: string) => Promise<string | undefined> = probeNodeVersion,
): Promise<NodeRuntime> {
  if (setting.trim()) {
    const v = await probe(setting);
    if (!v)
      throw new Error(`medssl.nodePath '${setting}' does not run as Node.js ('${setting} --version' failed). Fix the setting or clear it.`);
    if (major(v) < MIN_NODE_MAJOR)
      throw new Error(`medssl.nodePath '${setting}' is Node ${v}; MedSSL needs Node ${MIN_NODE_MAJOR} or newer.`);
    return { command: setting, env: {}, description: `Node ${v} from the setting medssl.nodePath (${setting})` };
  }
  const v = await probe('node');
  if (v && major(v) >= MIN_NODE_MAJOR) return { command: 'node', env: {}, description: `Node ${v} from PATH` };
  const why = v ? `'node' on PATH is ${v}, older than ${MIN_NODE_MAJOR}` : `no 'node' on PATH`;
  return {
    command: ownExecPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    description: `VS Code's own runtime as Node (${why}); it runs the portable WebAssembly backend only — set medssl.nodePath to a Node ≥ ${MIN_NODE_MAJOR} for the native GPU backend`,
  };
}
