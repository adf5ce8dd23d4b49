/** Shared pieces of the config schema: name pattern, numeric limits and the small zod builders. */
import * as z from 'zod';

/** Names usable as a folder name part (runId = <UTC timestamp>-<name>). */
export const CONFIG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * IterNorm's uncoupled Newton recursion turns to NaN in float32 beyond this many steps (measured in
 * models/whitening.ts, ITERNORM_MAX_STABLE_ITERATIONS; duplicated so that config does not load TensorFlow).
 */
export const ITERNORM_MAX_ITERATIONS = 10;

export const posInt = () => z.int().min(1);
export const nonNegInt = () => z.int().min(0);
export const fraction = () => z.number().min(0).max(1);
