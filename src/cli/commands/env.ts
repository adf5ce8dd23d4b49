import { collectEnvReport } from '../../core/backend/envReport';
import { formatEnvReport } from '../../core/backend/formatEnvReport';
import { machineBackendHost } from '../../core/backend/host';
import { EXIT } from '../errors';

/** `medssl env [--json]`: Node, every backend with the reason, CUDA libraries, threads, memory. */
export async function envCommand(args: { json: boolean }, out: (s: string) => void): Promise<number> {
  const report = await collectEnvReport(machineBackendHost());
  out(args.json ? JSON.stringify(report) : formatEnvReport(report));
  return EXIT.ok;
}
