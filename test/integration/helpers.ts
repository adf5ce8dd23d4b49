/** Shared by the integration suites: polling with a deadline, a phantom config that trains in seconds, the recorded seeds runs. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A phantom run that finishes in seconds (pretraining + linear evaluation). */
export function tinyConfig(name: string, epochs: number): string {
  return `name: ${name}
seed: 0
data:
  source: phantom
  phantom: { cases: 4, slices: 8, seed: 0 }
  size: 32
  heldOutFraction: 0.25
model:
  arch: resnet18
  widths: [8, 8, 16, 16]
  stem: small
  whitening: { enabled: false }
  projector: { outDim: 8 }
ssl:
  queueSize: 16
  embeddingDim: 8
  local: { enabled: false }
pretrain:
  epochs: ${epochs}
  batchSize: 8
  lr: auto
  warmupEpochs: 0
  workers: 1
diagnostics:
  everyEpochs: ${epochs}
  slices: 8
`;
}

/**
 * Copies the recorded seeds fixture (test/fixtures/runs/seeds: two variants × seeds 0, 1, 2) into a runs
 * folder; returns the copies' paths, sorted (the caller removes them).
 */
export function copySeedRuns(runsDir: string): string[] {
  const fixture = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'runs', 'seeds');
  return fs
    .readdirSync(fixture)
    .filter((d) => fs.existsSync(path.join(fixture, d, 'run.json')))
    .sort()
    .map((d) => {
      fs.cpSync(path.join(fixture, d), path.join(runsDir, d), { recursive: true });
      return path.join(runsDir, d);
    });
}
