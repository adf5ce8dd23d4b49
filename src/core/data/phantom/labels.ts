/** The phantom's label table: names in label-value order, their indices, and a per-label voxel count. */
import type { Volume } from '../volume';

export const PHANTOM_LABELS = [
  'background',
  'liver',
  'spleen',
  'kidney_right',
  'kidney_left',
  'stomach',
  'aorta',
  'vertebra',
  'pancreas',
  'inferior_vena_cava',
  'gallbladder',
] as const;
export type PhantomLabelName = (typeof PHANTOM_LABELS)[number];
/** Label value of each structure, by name (the voxel classifier writes these). */
export const LABEL: Record<PhantomLabelName, number> = Object.fromEntries(PHANTOM_LABELS.map((n, i) => [n, i])) as Record<
  PhantomLabelName,
  number
>;

/** Counts of each label value in a label volume (for tests and inspect). */
export function labelCounts(label: Volume): number[] {
  const counts = new Array<number>(PHANTOM_LABELS.length).fill(0);
  for (const x of label.data) counts[x]++;
  return counts;
}
