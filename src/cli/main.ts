import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { envCommand } from './commands/env';
import { benchCommand } from './commands/bench';
import { inspectCommand } from './commands/inspect';
import { validateCommand } from './commands/validate';
import { runCommand } from './commands/run';
import { cancelCommand, submitCommand, taskCommand } from './commands/submit';
import { demoCommand } from './commands/demo';
import { reportCommand } from './commands/report';
import { evaluateCommand, EVALUATE_MODES, type EvaluateMode } from './commands/evaluate';
import { exportCommand } from './commands/export';
import { predictCommand } from './commands/predict';

/** The options of every command that starts jobs (run, submit, evaluate). */
const JOB_OPTIONS = {
  'runs-dir': { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean', default: false },
} as const;
import { EXIT, UsageError } from './errors';

const USAGE = `medssl — MedSSL Studio's engine, headless

Usage:
  medssl env [--json]                 Node, TensorFlow.js backends (and why one is unavailable), CUDA, threads, memory
  medssl bench [--json] [--profile]   images/s of one training step here, beside PyTorch on the CPU when installed
  medssl bench --backend webgpu [--json]
                                      the same step on the WebGPU adapter (named in the output), beside wasm;
                                      a software adapter's number is marked software and not compared
  medssl run <config> [--runs-dir DIR] [--set path=value ...] [--json]
                                      pretrain as the config says; writes a run folder and prints its path
  medssl run --resume <runDir>        continue a run from its latest complete checkpoint
  medssl submit <config> [--runs-dir DIR] [--set path=value ...] [--executor slurm|local] [--wait] [--json]
                                      queued run folders (one per variant), then ONE Slurm job array (the config's
                                      executor.slurm: partition, gpus, cpus, mem, time, account, extraLines, ssh);
                                      prints each run folder and its job id; --wait follows them to the end.
                                      Requeued or timed-out tasks resume from their latest checkpoint
  medssl submit --cancel <runDir>...  scancel the runs' jobs (run.json ends cancelled)
  medssl task <runDir>                (what a submitted job runs) start a queued run, or resume it after a requeue
  medssl evaluate <runDir> --mode linear|finetune [--runs-dir DIR] [--set path=value ...] [--json]
                                      downstream evaluation of a run's pretrained encoder (checkpoints/latest)
                                      into a new run folder (stage linear|finetune, run.json names the source)
  medssl export <runDir> [--format safetensors|onnx] [--model finetune|linear|encoder] [--out FILE] [--json]
                                      safetensors: the pretrained encoder and projector in torchvision ResNet names and
                                      layouts (default <runDir>/export/<run id>.safetensors), load_in_pytorch.py beside it;
                                      onnx: an evaluation's segmentation model (x [N,C,H,W] -> logits [N,K,H,W]) or an
                                      encoder (-> features [N,d]), opset 17 (default <runDir>/export/<run id>-<model>.onnx)
  medssl predict <runDir> <input> [--out DIR] [--model linear|finetune] [--probabilities] [--labels FILE|DIR] [--json]
                                      segment a .nii/.nii.gz volume, a folder of them or a DICOM series with the run's
                                      saved model: uint8 label maps on each input's grid (never overwriting), Dice with labels
  medssl demo [--runs-dir DIR]        the quick start: MoCo v2 vs the method on the built-in phantom, linear
                                      evaluation of both, the comparison table and an HTML report (minutes)
  medssl report <runDir>... [--json] [--html FILE]
                                      summary table of runs (linear Dice, fine-tune Dice, effective rank)
  medssl validate <config> [--set k=v] [--no-data]
                                      exit 0, or 2 with every problem as file:line:col: message; the data
                                      the config points at is checked as run would (--no-data: not)
  medssl inspect <path> [--json]      what a dataset folder holds (layout, cases, shape, spacing, orientation, HU range,
                                      labels) and every problem at once; exit 2 when there are problems
  medssl help                         this text

Exit codes (every command): 0 success; 1 a run failed while running (reason in its run.json);
2 bad input or usage (config, data, paths, permissions, disk space before the start); 130 interrupted.
`;

type Out = (s: string) => void;

/** The usage lines of one command (its line and the indented lines under it), or the whole text. */
export function usageOf(command: string): string {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  medssl ${command} `) || l === `  medssl ${command}`);
  if (start < 0) return USAGE;
  let end = start + 1;
  while (end < lines.length && /^ {6,}\S/.test(lines[end])) end++;
  return lines.slice(start, end).join('\n');
}

export async function main(
  argv: string[],
  out: Out = (s) => process.stdout.write(s + '\n'),
  err: Out = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const [command, ...rest] = argv;
  // `medssl <command> --help`: that command's lines of the usage, never a parse error.
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    out(usageOf(command));
    return EXIT.ok;
  }
  // TensorFlow.js prints advice ("install our node backend") on first use: the env command says it better.
  tf.enableProdMode();
  try {
    switch (command) {
      case 'env': {
        const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, strict: true });
        return await envCommand({ json: values.json ?? false }, out);
      }
      case 'bench': {
        const { values } = parseArgs({
          args: rest,
          options: {
            json: { type: 'boolean', default: false },
            profile: { type: 'boolean', default: false },
            steps: { type: 'string' },
            batch: { type: 'string' },
            'no-peer': { type: 'boolean', default: false },
            backend: { type: 'string' },
          },
          strict: true,
        });
        return await benchCommand(
          {
            json: values.json ?? false,
            profile: values.profile ?? false,
            steps: values.steps === undefined ? undefined : positiveInt('--steps', values.steps),
            batch: values.batch === undefined ? undefined : positiveInt('--batch', values.batch),
            peer: !(values['no-peer'] ?? false),
            backend: values.backend,
          },
          out,
          err,
        );
      }
      case 'run': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            ...JOB_OPTIONS,
            resume: { type: 'string' },
          },
          allowPositionals: true,
          strict: true,
        });
        if (values.resume === undefined && positionals.length !== 1) {
          throw new UsageError(
            'run takes one config file: medssl run <config.medssl.yaml> [--runs-dir DIR] [--set path=value ...] [--json] | medssl run --resume <runDir>',
          );
        }
        return await runCommand(
          {
            config: positionals[0] ?? '',
            runsDir: values['runs-dir'],
            set: values.set ?? [],
            json: values.json ?? false,
            resume: values.resume,
          },
          out,
          err,
        );
      }
      case 'submit': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            ...JOB_OPTIONS,
            wait: { type: 'boolean', default: false },
            executor: { type: 'string' },
            cancel: { type: 'boolean', default: false },
          },
          allowPositionals: true,
          strict: true,
        });
        const cli = path.resolve(process.argv[1] ?? __filename);
        if (values.cancel) {
          if (positionals.length < 1)
            throw new UsageError('submit --cancel takes one or more run folders: medssl submit --cancel <runDir>...');
          return await cancelCommand(positionals, cli, out, err);
        }
        if (positionals.length !== 1)
          throw new UsageError(
            'submit takes one config file: medssl submit <config.medssl.yaml> [--runs-dir DIR] [--set path=value ...] [--executor slurm|local] [--wait] [--json]',
          );
        const ex = values.executor;
        if (ex !== undefined && ex !== 'slurm' && ex !== 'local') throw new UsageError(`--executor takes slurm or local, got '${ex}'`);
        return await submitCommand(
          {
            config: positionals[0],
            runsDir: values['runs-dir'],
            set: values.set ?? [],
            json: values.json ?? false,
            wait: values.wait ?? false,
            executor: ex,
            cli,
          },
          out,
          err,
        );
      }
      case 'task': {
        const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new UsageError('task takes one run folder: medssl task <runDir>');
        return await taskCommand(positionals[0], out, err);
      }
      case 'evaluate': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { mode: { type: 'string' }, ...JOB_OPTIONS },
          allowPositionals: true,
          strict: true,
        });
        const usage = 'medssl evaluate <runDir> --mode linear|finetune [--runs-dir DIR] [--set path=value ...] [--json]';
        if (positionals.length !== 1) throw new UsageError(`evaluate takes one run folder: ${usage}`);
        if (!EVALUATE_MODES.includes(values.mode as EvaluateMode))
          throw new UsageError(
            `evaluate: --mode takes linear or finetune, got ${values.mode === undefined ? 'nothing' : `'${values.mode}'`}: ${usage}`,
          );
        return await evaluateCommand(
          {
            runDir: positionals[0],
            mode: values.mode as EvaluateMode,
            runsDir: values['runs-dir'],
            set: values.set ?? [],
            json: values.json ?? false,
          },
          out,
          err,
        );
      }
      case 'export': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            format: { type: 'string', default: 'safetensors' },
            model: { type: 'string' },
            out: { type: 'string' },
            json: { type: 'boolean', default: false },
          },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length !== 1)
          throw new UsageError(
            'export takes one run folder: medssl export <runDir> [--format safetensors|onnx] [--model finetune|linear|encoder] [--out FILE] [--json]',
          );
        return await exportCommand(
          {
            runDir: positionals[0],
            format: values.format ?? 'safetensors',
            model: values.model,
            out: values.out,
            json: values.json ?? false,
          },
          out,
          err,
        );
      }
      case 'predict': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            out: { type: 'string' },
            model: { type: 'string' },
            probabilities: { type: 'boolean', default: false },
            labels: { type: 'string' },
            batch: { type: 'string' },
            overlays: { type: 'string' },
            json: { type: 'boolean', default: false },
          },
          allowPositionals: true,
          strict: true,
        });
        const usage =
          'medssl predict <runDir> <input> [--out DIR] [--model linear|finetune] [--probabilities] [--labels FILE|DIR] [--json]';
        if (positionals.length !== 2) throw new UsageError(`predict takes a run folder and an input: ${usage}`);
        const kind = values.model;
        if (kind !== undefined && kind !== 'linear' && kind !== 'finetune')
          throw new UsageError(`--model takes linear or finetune, got '${kind}'`);
        return await predictCommand(
          {
            runDir: positionals[0],
            input: positionals[1],
            out: values.out,
            model: kind,
            probabilities: values.probabilities ?? false,
            labels: values.labels,
            batch: values.batch === undefined ? 16 : positiveInt('--batch', values.batch),
            overlaySlices: values.overlays === undefined ? 6 : nonNegativeInt('--overlays', values.overlays),
            json: values.json ?? false,
          },
          out,
          err,
        );
      }
      case 'demo': {
        const { values } = parseArgs({
          args: rest,
          options: { 'runs-dir': { type: 'string' }, size: { type: 'string' }, backend: { type: 'string' } },
          strict: true,
        });
        const size = values.size ?? 'small';
        if (size !== 'small' && size !== 'tiny') throw new UsageError(`--size takes small or tiny, got '${size}'`);
        const backends = ['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;
        const backend = (values.backend ?? 'auto') as (typeof backends)[number];
        if (!backends.includes(backend)) throw new UsageError(`--backend takes one of ${backends.join(', ')}, got '${values.backend}'`);
        return await demoCommand({ runsDir: values['runs-dir'], size, backend }, out, err);
      }
      case 'report': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean', default: false }, html: { type: 'string' } },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length < 1)
          throw new UsageError('report takes one or more run folders: medssl report <runDir>... [--json] [--html FILE]');
        return await reportCommand({ runDirs: positionals, json: values.json ?? false, html: values.html }, out, err);
      }
      case 'validate': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { set: { type: 'string', multiple: true }, 'no-data': { type: 'boolean', default: false } },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length !== 1)
          throw new UsageError('validate takes one config file: medssl validate <config.medssl.yaml> [--set path=value ...] [--no-data]');
        return await validateCommand({ path: positionals[0], set: values.set ?? [], data: !(values['no-data'] ?? false) }, out, err);
      }
      case 'inspect': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean', default: false } },
          allowPositionals: true,
          strict: true,
        });
        if (positionals.length !== 1)
          throw new UsageError('inspect takes one dataset folder or image file: medssl inspect <path> [--json]');
        return await inspectCommand({ path: positionals[0], json: values.json ?? false }, out, err);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? EXIT.badInput : EXIT.ok;
      default:
        throw new UsageError(
          `unknown command '${command}'. Commands: run, submit, task, evaluate, export, predict, demo, report, validate, inspect, env, bench, help.`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`medssl: ${(e as Error).message}`);
      return EXIT.badInput;
    }
    err(`medssl: ${(e as Error).message ?? String(e)}`);
    if (process.env.MEDSSL_DEBUG) err((e as Error).stack ?? '');
    return EXIT.failed;
  }
}

function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number ≥ 0, got '${v}'`);
  return n;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number, got '${v}'`);
  return n;
}

// Worker threads (data-parallel training) load this same bundle: only the main thread runs the CLI.
if (require.main === module && isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`medssl: ${String(e)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
