/**
 * Dice for segmentation (METHOD.md "Downstream segmentation"): per class per **volume** (3-D,
 * as nnU-Net and MONAI report it) when slices come from volumes, then the mean over foreground classes;
 * per-slice Dice for the overlay panel.
 *
 * Absent classes: a class with no voxel in the truth **and** none in the prediction has no Dice (0/0);
 * it is reported as `null` with `absent: true` and excluded from every mean (nnU-Net writes NaN there).
 * A class in the truth but not predicted scores 0; one predicted but not in the truth scores 0 (a false
 * positive is an error, not an absence).
 *
 * Plain numbers, no TensorFlow: label maps are integer class indices in [0, numClasses).
 */

/** Confusion counts of one class. */
export interface ClassCounts {
  tp: number;
  fp: number;
  fn: number;
}

export interface ClassDice {
  /** 2·TP / (2·TP + FP + FN); null when the class is absent in both truth and prediction. */
  dice: number | null;
  absent: boolean;
  /** Voxels of the class in the truth and in the prediction. */
  truth: number;
  pred: number;
}

/** Counts per class (index = class) of one pair of label maps of equal length. */
export function confusionCounts(truth: ArrayLike<number>, pred: ArrayLike<number>, numClasses: number): ClassCounts[] {
  if (truth.length !== pred.length)
    throw new Error(`dice: truth has ${truth.length} voxels, prediction ${pred.length}; they must be the same grid`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`dice: numClasses ${numClasses} is not a positive integer`);
  const tp = new Float64Array(numClasses);
  const t = new Float64Array(numClasses);
  const p = new Float64Array(numClasses);
  for (let i = 0; i < truth.length; i++) {
    const a = truth[i];
    const b = pred[i];
    if (!(a >= 0 && a < numClasses && Number.isInteger(a)))
      throw new Error(`dice: truth voxel ${i} has label ${a}, outside 0..${numClasses - 1}`);
    if (!(b >= 0 && b < numClasses && Number.isInteger(b)))
      throw new Error(`dice: prediction voxel ${i} has label ${b}, outside 0..${numClasses - 1}`);
    t[a]++;
    p[b]++;
    if (a === b) tp[a]++;
  }
  return Array.from({ length: numClasses }, (_, c) => ({ tp: tp[c], fp: p[c] - tp[c], fn: t[c] - tp[c] }));
}

/** Adds counts b into a (same number of classes). */
export function addCounts(a: ClassCounts[], b: readonly ClassCounts[]): ClassCounts[] {
  if (a.length !== b.length) throw new Error(`dice: ${a.length} vs ${b.length} classes`);
  for (let c = 0; c < a.length; c++) {
    a[c].tp += b[c].tp;
    a[c].fp += b[c].fp;
    a[c].fn += b[c].fn;
  }
  return a;
}

export function diceFromCounts(k: ClassCounts): ClassDice {
  const truth = k.tp + k.fn;
  const pred = k.tp + k.fp;
  if (truth === 0 && pred === 0) return { dice: null, absent: true, truth, pred };
  return { dice: (2 * k.tp) / (truth + pred), absent: false, truth, pred };
}

/** Dice of every class (index 0 = background, reported but never in the foreground mean). */
export function dicePerClass(truth: ArrayLike<number>, pred: ArrayLike<number>, numClasses: number): ClassDice[] {
  return confusionCounts(truth, pred, numClasses).map(diceFromCounts);
}

/** Mean Dice over foreground classes (1..K−1) that are not absent; null when every one is absent. */
export function meanForegroundDice(perClass: readonly ClassDice[]): number | null {
  const v = perClass
    .slice(1)
    .filter((d) => d.dice !== null)
    .map((d) => d.dice as number);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

/** Per-slice result, for the overlays. */
export interface SliceDice {
  /** Slice index within its case (the order slices were added). */
  z: number;
  perClass: Array<number | null>;
  meanForeground: number | null;
}

/** One case (volume) of a per-case table, like nnU-Net's summary.json "metric_per_case". */
export interface CaseDice {
  caseId: string;
  /** Dice per class (index = class; null = absent in truth and prediction). */
  perClass: Array<number | null>;
  /** Classes absent in both (excluded from the means). */
  absentClasses: number[];
  meanForeground: number | null;
  truthVoxels: number[];
  predVoxels: number[];
  slices: number;
}

/**
 * Accumulates slices of one or more volumes (cases): Dice per class per volume from the summed counts
 * (never an average of per-slice Dice), and each slice's own Dice for the overlays.
 */
export class VolumeDice {
  private readonly counts = new Map<string, ClassCounts[]>();
  private readonly slices = new Map<string, SliceDice[]>();

  constructor(readonly numClasses: number) {}

  /** Adds one slice of case `caseId`; returns its per-slice Dice. */
  add(caseId: string, truth: ArrayLike<number>, pred: ArrayLike<number>, z?: number): SliceDice {
    const k = confusionCounts(truth, pred, this.numClasses);
    const acc = this.counts.get(caseId);
    if (acc) addCounts(acc, k);
    else
      this.counts.set(
        caseId,
        k.map((x) => ({ ...x })),
      );
    const list = this.slices.get(caseId) ?? [];
    const per = k.map(diceFromCounts);
    const s: SliceDice = { z: z ?? list.length, perClass: per.map((d) => d.dice), meanForeground: meanForegroundDice(per) };
    list.push(s);
    this.slices.set(caseId, list);
    return s;
  }

  caseIds(): string[] {
    return [...this.counts.keys()].sort();
  }

  sliceDice(caseId: string): SliceDice[] {
    return this.slices.get(caseId) ?? [];
  }

  caseDice(caseId: string): CaseDice {
    const k = this.counts.get(caseId);
    if (!k) throw new Error(`dice: no slices were added for case '${caseId}'`);
    const per = k.map(diceFromCounts);
    return {
      caseId,
      perClass: per.map((d) => d.dice),
      absentClasses: per.flatMap((d, c) => (d.absent ? [c] : [])),
      meanForeground: meanForegroundDice(per),
      truthVoxels: per.map((d) => d.truth),
      predVoxels: per.map((d) => d.pred),
      slices: this.sliceDice(caseId).length,
    };
  }

  cases(): CaseDice[] {
    return this.caseIds().map((id) => this.caseDice(id));
  }
}

export interface DiceSummary {
  /** Per class: mean over the cases where the class is not absent, and how many cases that was. */
  perClass: Array<{ mean: number | null; cases: number; absentIn: number }>;
  /** Mean over foreground classes of the per-class means (classes absent everywhere excluded). */
  meanForeground: number | null;
  /** Mean over cases of each case's foreground mean (the other common convention; both reported). */
  meanOfCaseMeans: number | null;
  cases: number;
}

/** Aggregates a per-case table. */
export function summarizeDice(cases: readonly CaseDice[], numClasses: number): DiceSummary {
  const perClass = Array.from({ length: numClasses }, (_, c) => {
    const v = cases.map((k) => k.perClass[c]).filter((d): d is number => d !== null && d !== undefined);
    return { mean: v.length ? v.reduce((s, x) => s + x, 0) / v.length : null, cases: v.length, absentIn: cases.length - v.length };
  });
  const fg = perClass
    .slice(1)
    .filter((p) => p.mean !== null)
    .map((p) => p.mean as number);
  const cm = cases.map((k) => k.meanForeground).filter((d): d is number => d !== null);
  return {
    perClass,
    meanForeground: fg.length ? fg.reduce((s, x) => s + x, 0) / fg.length : null,
    meanOfCaseMeans: cm.length ? cm.reduce((s, x) => s + x, 0) / cm.length : null,
    cases: cases.length,
  };
}

/**
 * The worst slice per foreground class across the given slices (lowest Dice among slices where the
 * class is not absent); -1 when the class is absent in every slice. Indices into `slices`.
 */
export function worstSlicePerClass(slices: readonly SliceDice[], numClasses: number): number[] {
  const worst = new Array<number>(numClasses).fill(-1);
  const best = new Array<number>(numClasses).fill(Infinity);
  slices.forEach((s, i) => {
    for (let c = 1; c < numClasses; c++) {
      const d = s.perClass[c];
      if (d !== null && d !== undefined && d < best[c]) {
        best[c] = d;
        worst[c] = i;
      }
    }
  });
  return worst;
}
