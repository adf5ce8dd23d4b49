/** Workspace Trust guard for anything that starts a job (no `vscode` import: unit-tested in plain Node). */
export const UNTRUSTED_MESSAGE =
  'MedSSL: training is disabled in an untrusted workspace — a job runs code and reads data paths from this folder. Configs can still be opened and validated. Trust the workspace (Manage Workspace Trust) to train.';

/** Why a job may not start, or undefined when it may. */
export function jobBlockedReason(isTrusted: boolean): string | undefined {
  return isTrusted ? undefined : UNTRUSTED_MESSAGE;
}
