/**
 * What every command that starts a job (run, evaluate, task) does before training: choose the backend
 * (a warning when it is not the one asked for) and hold the events a new run folder emits until the
 * command has printed the folder's {"type":"run"} line.
 */
import { chooseBackend } from '../../core/backend/select';
import { machineBackendHost } from '../../core/backend/host';
import type { BackendChoice } from '../../core/backend/types';
import type { ExperimentConfig } from '../../core/config/types';
import { eventToJsonLine, type RunEvent } from '../../core/runs';

type Out = (s: string) => void;

/** The backend this machine gives the config, or undefined after printing why none could be chosen. */
export async function backendForJob(config: ExperimentConfig, who: string, err: Out): Promise<BackendChoice | undefined> {
  try {
    const backend = await chooseBackend(config.backend, machineBackendHost());
    if (backend.warning) err(`warning: ${backend.warning}`);
    return backend;
  } catch (e) {
    err(`${who}: backend '${config.backend}': ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * With --json, events become JSON lines on stdout; those emitted while the run folder is created are
 * held until `release()` (called after the {"type":"run"} line). Without --json there is no listener.
 */
export function heldJsonEvents(json: boolean, out: Out): { onEvent: ((e: RunEvent) => void) | undefined; release: () => void } {
  let held: string[] | null = [];
  const onEvent = json
    ? (e: RunEvent) => {
        const line = eventToJsonLine(e);
        if (held) held.push(line);
        else out(line);
      }
    : undefined;
  return {
    onEvent,
    release: () => {
      for (const line of held ?? []) out(line);
      held = null;
    },
  };
}
