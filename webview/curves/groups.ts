/**
 * The Curves panel's chart groups (which scalar of events.jsonl goes on which chart) and its smoothing.
 * Pure (unit-tested in node).
 */

export const GROUPS: { id: string; title: string; test: (n: string) => boolean }[] = [
  { id: 'loss', title: 'Losses (pretraining)', test: (n) => /(^|\/)loss(\/|$)/.test(n) && !/^(linear|finetune)\//.test(n) },
  { id: 'evalLoss', title: 'Losses (linear evaluation / fine-tuning; their own steps)', test: (n) => /^(linear|finetune)\/.*loss/.test(n) },
  { id: 'lr', title: 'Learning rate', test: (n) => n === 'lr' || /(^|\/)lr$/.test(n) },
  { id: 'infonce', title: 'InfoNCE accuracy (top-1)', test: (n) => /infonce\/top1/.test(n) },
  { id: 'throughput', title: 'Images per second', test: (n) => /images\/s/.test(n) },
  { id: 'dice', title: 'Dice', test: (n) => /dice/i.test(n) },
  { id: 'rank', title: 'Effective rank', test: (n) => /effectiveRank|rankMe/.test(n) },
  // The rest of the collapse diagnostics, each on its own scale (together they spanned 0.01 to 40: unreadable).
  { id: 'dims99', title: 'Dimensions holding 99% of the variance', test: (n) => /dims99/.test(n) },
  { id: 'alignUniform', title: 'Alignment and uniformity (held-out slices)', test: (n) => /^diag\/(alignment|uniformity)$/.test(n) },
  { id: 'stdSqrtD', title: 'std × √d of the normalised features', test: (n) => /stdSqrtD/.test(n) },
  { id: 'other', title: 'Other', test: () => true },
];

export function groupOf(name: string): string {
  return GROUPS.find((g) => g.test(name))!.id;
}

/** TensorBoard's smoothing: exponential moving average, debiased so the first points are not pulled to 0. */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}
