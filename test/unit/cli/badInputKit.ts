/**
 * What the bad-input suites share: temp folders, a tiny phantom MSD dataset on disk, configs that
 * train in seconds on the cpu backend, a command runner that captures stdout/stderr, and the checks
 * every case makes (no half-written or temporary file left, events.jsonl whole JSON lines).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNifti, readNiftiFile } from '../../../src/core/data/nifti';
import { writePhantomMsd } from '../../../src/core/data/phantom/msd';
import { tinyRunYamlHead } from '../tinyRunYaml';

export function tmp(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `medssl-${tag}-`));
}

/** A 4-case phantom MSD dataset (16×16×4, labels 0..10 declared) in `dir`. */
export function phantomMsd(dir: string, cases = 4): string {
  writePhantomMsd(dir, { cases, seed: 4, shape: [16, 16, 4] });
  return dir;
}

/** Rewrites case `i`'s label map (float32, so negative and fractional values survive) through `edit`. */
export async function editLabel(
  data: string,
  i: number,
  edit: (v: Float32Array) => void,
  shape?: [number, number, number],
): Promise<string> {
  const file = path.join(data, 'labelsTr', `phantom_${String(i).padStart(3, '0')}.nii.gz`);
  const lab = await readNiftiFile(file);
  const n = shape ? shape[0] * shape[1] * shape[2] : lab.data.length;
  const values = new Float32Array(n);
  values.set(lab.data.subarray(0, n));
  edit(values);
  fs.writeFileSync(file, encodeNifti({ ...lab, shape: shape ?? lab.shape, data: values }));
  return file;
}

/** The tiny pretraining (3 steps of 4 slices; evaluations as given) reading `data` or the phantom. */
export function tinyYaml(name: string, o: { data?: string; linear?: boolean; checkpointEvery?: number; epochs?: number } = {}): string {
  let head = tinyRunYamlHead(name, 5);
  if (o.data)
    head = head.replace(
      /data:\n {2}source: phantom\n {2}phantom: \{[^}]*\}\n/,
      `data:\n  source: folder\n  path: ${JSON.stringify(o.data)}\n`,
    );
  return `${head}  local: { enabled: false }
pretrain: { epochs: ${o.epochs ?? 1}, batchSize: 4, lr: 0.05, warmupEpochs: 0, checkpointEvery: ${o.checkpointEvery ?? 1}, workers: 1 }
diagnostics: { everyEpochs: 1, slices: 4 }
evaluation:
  linear: { enabled: ${o.linear ?? false}, epochs: 2, batchSize: 4 }
  finetune: { enabled: false }
  overlaySlices: 2
`;
}

export function writeConfig(dir: string, name: string, yaml: string): string {
  const f = path.join(dir, `${name}.medssl.yaml`);
  fs.writeFileSync(f, yaml);
  return f;
}

export interface Captured {
  code: number;
  out: string[];
  err: string[];
}

/** Runs a command function with captured output; `onOut` sees each stdout line as it comes. */
export async function capture(
  fn: (out: (s: string) => void, err: (s: string) => void) => Promise<number>,
  onOut?: (line: string) => void,
): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await fn(
    (s) => {
      out.push(s);
      onOut?.(s);
    },
    (s) => err.push(s),
  );
  return { code, out, err };
}

/** Every path under `root` that is half-written or temporary (`.N.partial-*`, `.tmp-*`, `*.tmp-*`). */
export function leftovers(root: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of names) {
      const p = path.join(d, e.name);
      if (/\.partial-|^\.tmp-|\.tmp-/.test(e.name)) found.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return found;
}

export function assertNoLeftovers(root: string): void {
  assert.deepEqual(leftovers(root), [], `half-written or temporary files left under ${root}`);
}

/** events.jsonl is whole JSON lines, each ending in a newline. */
export function assertValidEvents(runDir: string): unknown[] {
  const text = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'events.jsonl ends mid-line');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        assert.fail(`events.jsonl line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
      }
    });
}

export function runJson(runDir: string): { status: string; error?: { message: string } } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
}

/** The run folders in `runsDir` (none when it does not exist). */
export function runFolders(runsDir: string): string[] {
  return fs.existsSync(runsDir) ? fs.readdirSync(runsDir).filter((n) => !n.startsWith('.')) : [];
}

/** Mounts a size-capped tmpfs at `dir` (root only); false when the machine does not allow it. */
export function mountTmpfs(dir: string, size: string, readOnly = false): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
  return r.status === 0;
}

export function unmount(dir: string): void {
  spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}
