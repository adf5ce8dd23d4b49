/**
 * A full disk while a run writes: one error type with the message the person sees ("disk full: <path>,
 * need ~N MB"), and a seam through which tests make any write site fail the way a full disk does
 * (production code never sets a fault; a size-capped tmpfs needs root, which a test machine may lack).
 */

/** Where a run writes: each site checks the seam before writing. */
export type WriteSite = 'run-folder' | 'run-json' | 'events' | 'artifact' | 'checkpoint';

type Fault = (site: WriteSite, file: string) => void;
let fault: Fault | undefined;

/** Tests: make writes fail (throw from `f`), or undefined to stop. */
export function setWriteFault(f: Fault | undefined): void {
  fault = f;
}

/** Called just before a write at `site` to `file` (a no-op unless a test set a fault). */
export function checkWriteFault(site: WriteSite, file: string): void {
  fault?.(site, file);
}

/** The error Node raises on a full disk, for the seam. */
export function noSpaceError(file: string): NodeJS.ErrnoException {
  const e = new Error(`ENOSPC: no space left on device, write '${file}'`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  e.errno = -28;
  e.syscall = 'write';
  e.path = file;
  return e;
}

const MB = 1024 * 1024;

/** "disk full: <path>, need ~N MB": `path` is the user's folder (the run folder), never a temp file. */
export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
  constructor(
    readonly path: string,
    readonly needBytes: number,
  ) {
    super(`disk full: ${path}, need ~${Math.max(1, Math.ceil(needBytes / MB))} MB`);
    this.name = 'DiskFullError';
  }
}

/** Whether `e` is a full disk (Node's ENOSPC or EDQUOT — a quota acts the same — or a DiskFullError). */
export function isNoSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** `e` as a DiskFullError naming `path` when it is a full disk; otherwise `e` unchanged. */
export function asDiskFull(e: unknown, path: string, needBytes: number): unknown {
  if (e instanceof DiskFullError || !isNoSpace(e)) return e;
  return new DiskFullError(path, needBytes);
}
