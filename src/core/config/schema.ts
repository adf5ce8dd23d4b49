/**
 * The one schema of an experiment config (zod v4): it validates, fills every default, and is the source
 * of the editor's JSON Schema (jsonSchema.ts) and of the hover docs (describe.ts). Descriptions and
 * defaults follow METHOD.md; where METHOD.md gives a paper value and a CPU value, the default is the
 * paper value and the examples/ configs show the small settings.
 *
 * No `vscode` and no TensorFlow import here: the extension host loads this module for diagnostics.
 */
import * as z from 'zod';
import type { ExperimentConfig } from './types';
import { CONFIG_NAME_PATTERN, nonNegInt } from './schema/common';
import { dataSchema } from './schema/data';
import { evaluationSchema } from './schema/evaluation';
import { executorSchema } from './schema/executor';
import { modelSchema } from './schema/model';
import { diagnosticsSchema, pretrainSchema } from './schema/pretrain';
import { sslSchema } from './schema/ssl';

export { CONFIG_NAME_PATTERN, ITERNORM_MAX_ITERATIONS } from './schema/common';

const variantSchema = z
  .strictObject({
    name: z
      .string()
      .regex(CONFIG_NAME_PATTERN, 'must be 1–64 letters, digits, dots, dashes or underscores')
      .describe('Variant name; its run is named <config name>-<variant name>.'),
    set: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe("Overrides as path: value, like --set (e.g. 'ssl.local.enabled': false)."),
  })
  .describe('One variant of the experiment: the same config with a few overrides.');
export const experimentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        CONFIG_NAME_PATTERN,
        'must be 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit (it becomes part of the run folder name)',
      )
      .describe('Experiment name; run folders are named <UTC timestamp>-<name>. Letters, digits, . _ - (at most 64).'),
    seed: nonNegInt()
      .default(0)
      .describe(
        'Seed of the run: one seeded generator drives initialisation, data order and augmentations; the same config and seed give the same numbers on the same backend.',
      ),
    backend: z
      .enum(['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'])
      .default('auto')
      .describe(
        "TensorFlow.js backend. 'auto' tries tfjs-node-gpu (CUDA), webgpu (any vendor's GPU through Dawn: Vulkan, Metal, D3D12; never a software adapter), tfjs-node, the portable WebAssembly backend, then pure JS; the backend used and why earlier ones were skipped go into run.json. The setting medssl.backend overrides it.",
      ),
    data: dataSchema,
    model: modelSchema,
    ssl: sslSchema,
    pretrain: pretrainSchema,
    diagnostics: diagnosticsSchema,
    evaluation: evaluationSchema,
    variants: z
      .array(variantSchema)
      .optional()
      .describe(
        "Variants (the ablation's rows, or seeds): `medssl run` runs each one (pretraining and evaluations) as its own run, named <name>-<variant>. E.g. [{name: mocov2, set: {'ssl.local.enabled': false, 'model.whitening.enabled': false}}, {name: method}].",
      ),
    seeds: z
      .array(nonNegInt())
      .optional()
      .describe(
        'Seeds: `medssl run` runs every variant (or the config itself, without variants) once per seed, each a run named <name>-<variant>-seed<N> with `seed` set, and prints the table; `medssl report` then aggregates each variant over its seeds (mean ± sd, and the paired difference against the first variant with a 95% bootstrap interval over held-out cases × seeds). E.g. [0, 1, 2].',
      ),
    executor: executorSchema.optional(),
  })
  .meta({
    title: 'MedSSL Studio experiment',
    description:
      'A MedSSL Studio experiment: MoCo v2 pretraining with local feature learning and feature decorrelation on CT slices (METHOD.md).',
  });

/** What the schema produces (defaults filled). */
export type SchemaOutput = z.output<typeof experimentSchema>;

// Compile-time checks: the schema's output is exactly the engine's contract (types.ts), both ways.
type Assert<T extends true> = T;
export type _SchemaMatchesContract = Assert<SchemaOutput extends ExperimentConfig ? true : false>;
export type _ContractMatchesSchema = Assert<ExperimentConfig extends SchemaOutput ? true : false>;
