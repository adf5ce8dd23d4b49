import { DiskFullError, isNoSpace } from '../../core/runs/diskFull';

/**
 * Why a run folder could not be created or reopened, naming the user's folder — never the temporary
 * name the writer used inside it (a raw Node error names that one).
 */
export function runFolderError(e: unknown, folder: string, what: 'create' | 'reopen'): string {
  if (e instanceof DiskFullError) return e.message;
  if (isNoSpace(e)) return new DiskFullError(folder, 0).message;
  const code = (e as NodeJS.ErrnoException).code;
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'read-only file system'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a file is in the way (not a folder)'
          : code
            ? code
            : (e as Error).message;
  return `cannot ${what} a run folder in ${folder}: ${reason}`;
}
