/** An error a person caused and can fix (bad config, bad input): exit code 2, no stack trace. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
