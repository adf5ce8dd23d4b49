/**
 * The Node.js that runs every job's worker (`dist/cli.js`): medssl.nodePath, else one found on this
 * machine (nodeRuntime.ts). Resolved once and kept; a failed resolution is tried again next time (the
 * user may have fixed the setting).
 */
import * as path from 'node:path';
import { settings } from '../settings';
import { resolveNodeRuntime, type NodeRuntime } from './nodeRuntime';

export class WorkerRuntime {
  private pending?: Promise<NodeRuntime>;
  /** Set once resolved: spawning is synchronous and needs it at hand. */
  resolved?: NodeRuntime;

  constructor(
    private readonly extensionPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /** dist/cli.js of this extension. */
  get cliPath(): string {
    return path.join(this.extensionPath, 'dist', 'cli.js');
  }

  get(): Promise<NodeRuntime> {
    if (!this.pending) {
      this.pending = resolveNodeRuntime(settings.nodePath(), process.execPath).then(
        (rt) => {
          this.resolved = rt;
          this.log(`Worker runtime: ${rt.description}`);
          return rt;
        },
        (e) => {
          this.pending = undefined;
          throw e;
        },
      );
    }
    return this.pending;
  }
}
