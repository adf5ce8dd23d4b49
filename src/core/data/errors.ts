/**
 * An error in input data that a person can fix: it names the file (and the case when known) and the
 * reason. `exitCode` 2 matches the CLI's "bad input" exit code (DESIGN.md).
 */
export class DataError extends Error {
  readonly exitCode = 2;
  readonly file: string;
  readonly caseId: string | undefined;
  readonly reason: string;

  constructor(file: string, reason: string, caseId?: string) {
    super(`${caseId !== undefined ? `case '${caseId}': ` : ''}${file}: ${reason}`);
    this.name = 'DataError';
    this.file = file;
    this.caseId = caseId;
    this.reason = reason;
  }
}

/** A problem found while inspecting a dataset (one of many reported together). */
export interface DataProblem {
  caseId?: string;
  file?: string;
  message: string;
}

export function problemFromError(e: unknown, file: string, caseId?: string): DataProblem {
  if (e instanceof DataError) return { caseId: e.caseId ?? caseId, file: e.file, message: e.reason };
  return { caseId, file, message: e instanceof Error ? e.message : String(e) };
}

export function formatProblem(p: DataProblem): string {
  const where = [p.caseId !== undefined ? `case '${p.caseId}'` : '', p.file ?? ''].filter((s) => s !== '').join(', ');
  return where ? `${where}: ${p.message}` : p.message;
}
