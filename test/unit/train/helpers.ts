import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../../src/core/config/types';
import type { DistributiveOmit, RunEvent, RunJson, RunWriter } from '../../../src/core/runs/types';

/** A tiny pretraining config (phantom, widths 4-8-16-16, 16 px, batch 4, small queue). */
export function tinyConfig(over: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const c: ExperimentConfig = {
    name: 'tiny',
    seed: 7,
    backend: 'cpu',
    data: {
      source: 'phantom',
      phantom: { cases: 4, slices: 4, seed: 1 },
      size: 16,
      window: 'abdomen',
      zscore: { mean: 884.5, std: 983.7 },
      foregroundOnly: false,
      heldOutFraction: 0.25,
    },
    model: {
      arch: 'resnet18',
      widths: [4, 8, 16, 16],
      widthMultiplier: 1,
      stem: 'small',
      repeatToThreeChannels: false,
      whitening: { enabled: false, method: 'zca', groupSize: 16, iterations: 20, eps: 1e-3, momentum: 0.1, position: 'lastNorm' },
      projector: { outDim: 16 },
    },
    ssl: {
      method: 'mocov2',
      queueSize: 16,
      momentum: 0.99,
      temperature: 0.2,
      embeddingDim: 16,
      shuffleBn: 'shuffle',
      local: {
        enabled: true,
        weight: 0.5,
        temperature: 0.2,
        grid: 2,
        minOverlap: 0.1,
        stage: 3,
        crossImageNegatives: false,
        projectorDim: 16,
      },
      augment: {
        cropScale: [0.3, 1],
        flip: true,
        rotationDeg: 10,
        brightness: 0.2,
        contrast: 0.2,
        gamma: 0.25,
        blurProbability: 0.5,
        noiseStd: 0.02,
      },
    },
    pretrain: {
      epochs: 2,
      batchSize: 4,
      lr: 0.05,
      momentum: 0.9,
      weightDecay: 1e-4,
      warmupEpochs: 1,
      schedule: 'cosine',
      checkpointEvery: 0,
      workers: 1,
    },
    diagnostics: { everyEpochs: 1, slices: 4 },
    evaluation: {
      linear: { enabled: false, epochs: 2, batchSize: 4, lr: 0.01, diceWeight: 1 },
      finetune: {
        enabled: false,
        decoder: 'unet',
        init: 'pretrained',
        epochs: 1,
        batchSize: 4,
        lr: 0.001,
        labelFraction: 1,
        diceWeight: 1,
      },
      overlaySlices: 4,
    },
  };
  over(c);
  return c;
}

/** A file-backed RunWriter for tests (the real one is runs/writer.ts). */
export class TestWriter implements RunWriter {
  readonly id: string;
  readonly events: RunEvent[] = [];
  run: Partial<RunJson> = { status: 'running' };
  constructor(readonly dir: string) {
    this.id = path.basename(dir);
    fs.mkdirSync(dir, { recursive: true });
  }
  static temp(): TestWriter {
    return new TestWriter(fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-train-')));
  }
  event(e: DistributiveOmit<RunEvent, 't'>): void {
    const full = { t: new Date().toISOString(), ...e } as RunEvent;
    this.events.push(full);
    fs.appendFileSync(path.join(this.dir, 'events.jsonl'), JSON.stringify(full) + '\n');
  }
  scalar(step: number, epoch: number, name: string, value: number): void {
    this.event({ type: 'scalar', step, epoch, name, value });
  }
  log(level: 'info' | 'warn' | 'error', message: string, step = 0, epoch = 0): void {
    this.event({ type: 'log', level, message, step, epoch });
  }
  writeJson(rel: string, value: unknown, kind: string, step = 0, epoch = 0): string {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, JSON.stringify(value));
    this.event({ type: 'artifact', path: rel, kind, step, epoch });
    return p;
  }
  writeBytes(rel: string, data: Uint8Array, kind: string, step = 0, epoch = 0): string {
    const p = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
    this.event({ type: 'artifact', path: rel, kind, step, epoch });
    return p;
  }
  update(fields: Partial<RunJson>): void {
    Object.assign(this.run, fields);
  }
  complete(): void {
    this.run.status = 'completed';
  }
  fail(message: string, where?: string): void {
    this.run.status = 'failed';
    this.run.error = { message, where };
  }
  cancel(): void {
    this.run.status = 'cancelled';
  }
  scalars(name: string): Array<[number, number]> {
    return this.events
      .filter((e): e is Extract<RunEvent, { type: 'scalar' }> => e.type === 'scalar' && e.name === name)
      .map((e) => [e.step, e.value]);
  }
}
