/**
 * The slice order of one epoch: the one windowed shuffle of the data path. When every case of the
 * dataset fits in the prepared-slice cache it is exactly `shuffle([0, 1, …, n − 1])`, a global shuffle.
 * Beyond the cache a global shuffle would read a volume for almost every slice; then the cases are
 * shuffled, and the slices within windows of half the cache's cases (a shuffle buffer), so that each
 * case is read once per epoch while the next window's cases are read ahead.
 *
 * The shuffle is the caller's (a training run passes its one seeded generator, whose state is in every
 * checkpoint), so the order depends only on that generator, never on timing or prefetching.
 */

/**
 * @param caseOfSlice the case of each slice, as a dataset indexes them (the slices of a case adjacent)
 * @param cacheCases prepared cases the cache holds
 * @param shuffle shuffles an array in place and returns it
 * @returns slice indices, each once
 */
export function epochOrder(caseOfSlice: readonly number[], cacheCases: number, shuffle: (a: number[]) => number[]): number[] {
  const all = Array.from({ length: caseOfSlice.length }, (_, i) => i);
  const cases = [...new Set(caseOfSlice)];
  if (cases.length <= cacheCases) return shuffle(all);
  const byCase = new Map<number, number[]>(cases.map((ci) => [ci, []]));
  caseOfSlice.forEach((ci, i) => byCase.get(ci)!.push(i));
  shuffle(cases);
  const w = Math.max(1, Math.floor(cacheCases / 2));
  const out: number[] = [];
  for (let k = 0; k < cases.length; k += w) out.push(...shuffle(cases.slice(k, k + w).flatMap((ci) => byCase.get(ci)!)));
  return out;
}
