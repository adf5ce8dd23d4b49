/** The config's `data` section: phantom or dataset folder source, slice size, intensity window and the held-out split. */
import * as z from 'zod';
import { posInt, nonNegInt } from './common';

export const phantomSchema = z
  .strictObject({
    cases: posInt()
      .default(16)
      .describe('Number of phantom cases (volumes) generated. Cases, not slices, are split between training and held-out.'),
    slices: posInt().default(48).describe('Axial slices per phantom volume.'),
    seed: nonNegInt().default(0).describe('Phantom seed: with the case index it determines every voxel (independent of the run seed).'),
  })
  .prefault({})
  .describe('Built-in abdominal CT phantom (seeded, labelled structures in HU), used when data.source = phantom.');

export const dataSchema = z
  .strictObject({
    source: z
      .enum(['phantom', 'folder'])
      .default('phantom')
      .describe(
        "'phantom': the built-in generated CT phantom (no download). 'folder': a dataset folder in any layout `medssl inspect` detects (MSD, nnU-Net v2, BTCV, AbdomenCT-1K, slice folders, unlabelled).",
      ),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Dataset folder when source = folder. A relative path is relative to the config file; the resolved config holds the absolute path.',
      ),
    phantom: phantomSchema,
    size: posInt()
      .default(336)
      .describe(
        'In-plane size in pixels (square) that slices are resampled to, and the size of each augmented view. The paper: 512×512 slices, random crops of 336. Small CPU runs use 64–128.',
      ),
    window: z
      .enum(['abdomen', 'transunet', 'w400l40', 'zscore', 'none'])
      .default('zscore')
      .describe(
        "Intensity normalisation of HU values. 'zscore': (HU + 1024 − mean) / std, what the authors' code fed (no window). 'abdomen': clip to [−175, 250] HU and scale to [0, 1] (MONAI's BTCV recipe). 'transunet': [−125, 275]. 'w400l40': width 400, level 40. 'none': raw HU.",
      ),
    zscore: z
      .strictObject({
        mean: z.number().default(884.5).describe('Mean of HU + 1024 (the authors: 884.5).'),
        std: z.number().positive().default(983.7).describe('Standard deviation of HU + 1024 (the authors: 983.7).'),
      })
      .prefault({})
      .describe('Used when window = zscore: (HU + 1024 − mean) / std.'),
    foregroundOnly: z.boolean().default(false).describe('Keep only slices that contain foreground (needs labels).'),
    heldOutFraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0.2)
      .describe('Fraction of cases held out (split by case, never by slice) for the collapse diagnostics and evaluation.'),
    splitSeed: nonNegInt()
      .optional()
      .describe(
        "Seed of the train / held-out split of the cases. Absent: the run's `seed` draws it, so runs over `seeds:` differ in their split as well as in their initialisation and data order (their spread then includes the split's). Set it (e.g. 0) to hold one split fixed across seeds.",
      ),
  })
  .prefault({})
  .describe('Where the slices come from and how they are prepared.');
