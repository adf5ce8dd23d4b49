/** What a detected dataset layout is: its kind, its cases (image and label files) and the problems found. */
import type { DataProblem } from '../errors';

export type LayoutKind = 'msd' | 'nnunet-v2' | 'btcv' | 'abdomenct-1k' | 'slice-folders' | 'dicom' | 'unlabelled';

export interface CaseEntry {
  id: string;
  /** A volume file; for slice folders the PNG files of the case in slice order; for `dicom` the files of the series (name order). */
  images: string[];
  /** Label files, same length as `images` when present. */
  labels?: string[];
}

export interface DatasetLayout {
  kind: LayoutKind;
  root: string;
  /** 'volume' for NIfTI volumes, 'slices' for PNG slice files. */
  unit: 'volume' | 'slices';
  cases: CaseEntry[];
  /** Label value → name, when the dataset declares them. */
  labelNames?: Record<number, string>;
  /** Problems found while reading the layout itself (missing files, orphans, bad dataset.json). */
  problems: DataProblem[];
}
