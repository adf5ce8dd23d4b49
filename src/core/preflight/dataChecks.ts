/**
 * What a run needs from its data, checked before the first step: the dataset checks of `medssl
 * inspect` (every case read once: grids, label values, finite voxels, geometry) plus what the config
 * asks of the data (labels for the configured evaluations, a slice size the encoder can take). Every
 * problem is returned at once, each naming the config field or the file, so a refusal costs seconds,
 * not a pretraining.
 */
import type { ExperimentConfig } from '../config/types';
import { inspectDataset, type InspectReport } from '../data/inspect';

/** Largest in-plane size accepted: above any CT/MR slice (512², some 1024²); memory would fail first. */
export const MAX_DATA_SIZE = 4096;

/** Downsampling of the encoder before its last feature map (stem, then three stride-2 stages). */
function encoderStride(c: ExperimentConfig): number {
  return c.model.stem === 'imagenet' ? 32 : 8;
}

/** Problems of the config's own numbers that only matter for the data (data.size). */
export function sizeProblems(c: ExperimentConfig): string[] {
  const out: string[] = [];
  const stride = encoderStride(c);
  const n = c.data.size;
  if (n < stride) {
    out.push(
      `data.size: ${n} is smaller than the encoder's downsampling (${stride}× with model.stem '${c.model.stem}'): its last feature map would be empty; use at least ${stride * 4} (64–128 for small CPU runs)`,
    );
  } else if (n > MAX_DATA_SIZE) {
    out.push(
      `data.size: ${n} is larger than ${MAX_DATA_SIZE} pixels: no CT or MR slice is that large and one batch would not fit in memory; use 512 or less`,
    );
  }
  return out;
}

/** The evaluations (and options) of the config that need label maps. */
export function labelNeeds(c: ExperimentConfig): string[] {
  const needs: string[] = [];
  if (c.evaluation.linear.enabled) needs.push('evaluation.linear.enabled');
  if (c.evaluation.finetune.enabled) needs.push('evaluation.finetune.enabled');
  if (c.data.foregroundOnly) needs.push('data.foregroundOnly');
  return needs;
}

export interface DataPreflight {
  problems: string[];
  /** The inspection of the dataset folder (source: folder), for callers that show it. */
  report?: InspectReport;
}

/** Every problem the config's data would hit, before anything is written. */
export async function preflightData(c: ExperimentConfig): Promise<DataPreflight> {
  const problems = sizeProblems(c);
  if (c.data.source !== 'folder' || !c.data.path) return { problems };
  let report: InspectReport;
  try {
    report = await inspectDataset(c.data.path);
  } catch (e) {
    problems.push(`data.path: ${c.data.path}: ${(e as Error).message}`);
    return { problems };
  }
  for (const p of report.problems)
    problems.push(`data.path: ${p.caseId !== undefined ? `case '${p.caseId}': ` : ''}${p.file ? `${p.file}: ` : ''}${p.message}`);
  const needs = labelNeeds(c);
  if (report.caseCount > 0 && needs.length > 0) {
    if (!report.labelled) {
      problems.push(
        `${needs.join(', ')}: ${report.root} has no label maps (layout ${report.layout}), but ${needs.length === 1 ? 'this needs' : 'these need'} them; ` +
          `set ${needs.map((k) => `${k}: false`).join(', ')} for a pretraining only, or point data.path at a labelled dataset`,
      );
    }
  }
  return { problems, report };
}
