/**
 * Reading a dataset file's bytes (whole, or its first bytes for a header) with the one error a user
 * sees when that fails: the file, the case and the system's reason, never a stack trace.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DataError } from './errors';

function cannotRead(file: string, e: unknown, caseId?: string): DataError {
  return new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, caseId);
}

export function readFileBytesSync(file: string, caseId?: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw cannotRead(file, e, caseId);
  }
}

/** Reads on libuv's thread pool, so that a training step runs meanwhile. */
export async function readFileBytes(file: string, caseId?: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    throw cannotRead(file, e, caseId);
  }
}

/** The first `bytes` bytes of a file (fewer if it is shorter): enough for a header, without reading the rest. */
export function readFileHead(file: string, bytes: number, caseId?: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw cannotRead(file, e, caseId);
  }
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, readSync(fd, head, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
