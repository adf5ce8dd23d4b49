/** Learning-rate schedule per step: linear warm-up, then cosine decay to 0 (or constant). */
export interface LrSchedule {
  base: number;
  totalSteps: number;
  warmupSteps: number;
  kind: 'cosine' | 'constant';
}

/** Learning rate of step t (0-based). */
export function lrAt(s: LrSchedule, t: number): number {
  if (s.warmupSteps > 0 && t < s.warmupSteps) return (s.base * (t + 1)) / s.warmupSteps;
  if (s.kind === 'constant') return s.base;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const p = Math.min(1, Math.max(0, (t - s.warmupSteps) / span));
  return s.base * 0.5 * (1 + Math.cos(Math.PI * p));
}
