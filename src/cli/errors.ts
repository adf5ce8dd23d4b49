/** An error a person caused and can fix (bad config, bad input): exit code 2, no stack trace. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/**
 * The exit-code contract of every command (docs/EXIT-CODES.md):
 * 0 success; 1 a run that failed while running (the reason is in its run.json); 2 bad input or usage
 * (config, data, paths, permissions, no room on the disk before the start); 130 interrupted (SIGINT or
 * SIGTERM: a checkpoint saved where there is one, the run `cancelled`), wherever in the run it happens.
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;
