/**
 * A full disk: refused before the start when the free space cannot hold the run; at any write site
 * later, the run ends `failed` with "disk full: <run folder>, need ~N MB" (run.json written after the
 * reserve file is given up), events.jsonl stays whole JSON lines, no half-written checkpoint is left,
 * and a resume cleans what a crash left. The mid-run cases inject ENOSPC through the write seam (every
 * machine); one case fills a real size-capped tmpfs where the machine allows mounting one (root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../../../src/cli/commands/run';
import { RESERVE_FILE } from '../../../src/core/runs';
import { noSpaceError, setWriteFault, type WriteSite } from '../../../src/core/runs/diskFull';
import {
  assertNoLeftovers,
  assertValidEvents,
  capture,
  mountTmpfs,
  runFolders,
  runJson,
  tinyYaml,
  tmp,
  unmount,
  writeConfig,
} from './badInputKit';

const DISK_FULL = /^medssl run: disk full: (\S+), need ~\d+ MB$/;

/**
 * Runs the tiny pretraining (--json) and, once `armAfter` loss lines have gone by, makes the disk
 * "full" at `site`: from then on every write fails with ENOSPC while the run's reserve file exists
 * (deleting it is what frees room); an events.jsonl write leaves half a line first, as a real one can.
 */
async function runUntilDiskFull(d: string, site: WriteSite, armAfter = 2, matchFile: RegExp = /./, onlySite = false) {
  const cfg = writeConfig(d, 'disk', tinyYaml('disk', { checkpointEvery: 1 }));
  const runs = path.join(d, 'runs');
  let losses = 0;
  let armed = false;
  let runDir = '';
  setWriteFault((s, file) => {
    if (!armed || !fs.existsSync(path.join(runDir, RESERVE_FILE))) return;
    if (s !== site && (onlySite || !(s === 'run-json' || s === 'events'))) return; // once full, status and log writes fail too
    if (s === site && !matchFile.test(file)) return;
    if (s === 'events') fs.appendFileSync(file, '{"t":"2026-'); // a write that stopped half-way
    throw noSpaceError(file);
  });
  try {
    const r = await capture(
      (o, e) => runCommand({ config: cfg, runsDir: runs, set: [], json: true }, o, e),
      (line) => {
        if (!runDir) runDir = (JSON.parse(line) as { dir: string }).dir;
        if (line.includes('"name":"loss/total"') && ++losses >= armAfter) armed = true;
      },
    );
    return { ...r, runDir, cfg, runs };
  } finally {
    setWriteFault(undefined);
  }
}

function assertFailedDiskFull(r: { code: number; err: string[]; runDir: string }, d: string): void {
  assert.equal(r.code, 1, r.err.join('\n'));
  const line = r.err.find((l) => DISK_FULL.test(l));
  assert.ok(line, `no "disk full" line in:\n${r.err.join('\n')}`);
  assert.equal(DISK_FULL.exec(line)![1], r.runDir, 'the message names the run folder');
  assert.doesNotMatch(r.err.join('\n'), /ENOSPC|\.tmp-|\.partial-/, 'no raw error, no temp name');
  const run = runJson(r.runDir);
  assert.equal(run.status, 'failed');
  assert.match(run.error?.message ?? '', /^disk full: .*, need ~\d+ MB$/);
  const events = assertValidEvents(r.runDir) as Array<{ type: string; status?: string }>;
  assert.equal(events.at(-1)?.status, 'failed', 'the last event is the failed status');
  assertNoLeftovers(d);
}

for (const [site, label, matchFile] of [
  ['events', 'an events.jsonl append (half a line written)', /./],
  ['checkpoint', 'a checkpoint save (its manifest, after the weights)', /manifest\.json$/],
  ['artifact', 'an artifact (diagnostics json)', /./],
] as const) {
  test(`disk full at ${label}: exit 1, "disk full: <run folder>, need ~N MB", run.json failed, events whole, nothing partial`, async () => {
    const d = tmp(`disk-${site}`);
    try {
      const r = await runUntilDiskFull(d, site, site === 'artifact' ? 0 : 2, matchFile);
      assertFailedDiskFull(r, d);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
}

test('disk full at the final run.json write: the reserve file gives run.json its room, the run completes (exit 0), no temp file left', async () => {
  const d = tmp('disk-runjson');
  try {
    const r = await runUntilDiskFull(d, 'run-json', 3, /./, true);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(runJson(r.runDir).status, 'completed');
    assertValidEvents(r.runDir);
    assertNoLeftovers(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test("after a disk-full failure, --resume removes a crash's .partial checkpoint and temp files and completes", async () => {
  const d = tmp('disk-resume');
  try {
    const r = await runUntilDiskFull(d, 'events', 2);
    assertFailedDiskFull(r, d);
    const ck = path.join(r.runDir, 'checkpoints');
    fs.mkdirSync(path.join(ck, '.9.partial-424242', 'query'), { recursive: true });
    fs.writeFileSync(path.join(ck, '.9.partial-424242', 'query', 'weights.bin'), Buffer.alloc(1024));
    fs.writeFileSync(path.join(ck, 'latest.tmp-424242-x'), '9\n');
    const again = await capture((o, e) => runCommand({ config: '', set: [], json: false, resume: r.runDir }, o, e));
    assert.equal(again.code, 0, again.err.join('\n'));
    assert.equal(runJson(r.runDir).status, 'completed');
    assertValidEvents(r.runDir);
    assertNoLeftovers(d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('disk full while the run folder is created: exit 2, "disk full: <runs folder>", no temp folder left', async () => {
  const d = tmp('disk-create');
  const runs = path.join(d, 'runs');
  setWriteFault((site, file) => {
    if (site === 'run-folder') throw noSpaceError(file);
  });
  try {
    const cfg = writeConfig(d, 'create', tinyYaml('create'));
    const r = await capture((o, e) => runCommand({ config: cfg, runsDir: runs, set: [], json: false }, o, e));
    assert.equal(r.code, 2, r.err.join('\n'));
    assert.ok(r.err.includes(`medssl run: disk full: ${runs}, need ~${/need ~(\d+) MB/.exec(r.err.join('\n'))?.[1]} MB`), r.err.join('\n'));
    assert.deepEqual(runFolders(runs), []);
    assertNoLeftovers(d);
  } finally {
    setWriteFault(undefined);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('not enough free space before the start: exit 2 naming the runs folder and what the run needs, no run folder (a 2 MB tmpfs, or a model too large for any disk)', async () => {
  const d = tmp('disk-preflight');
  const mnt = path.join(d, 'small');
  const mounted = mountTmpfs(mnt, '2m');
  try {
    let yaml = tinyYaml('preflight');
    // Without a mountable tmpfs: encoder widths whose checkpoints would need terabytes.
    if (!mounted) yaml = yaml.replace('widths: [4, 8, 16, 16]', 'widths: [65536, 131072, 262144, 524288]');
    const cfg = writeConfig(d, 'preflight', yaml);
    const runs = path.join(mnt, 'runs');
    const r = await capture((o, e) => runCommand({ config: cfg, runsDir: runs, set: [], json: false }, o, e));
    assert.equal(r.code, 2, r.err.join('\n'));
    assert.match(
      r.err.join('\n'),
      new RegExp(`medssl run: disk full: ${runs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has \\d+ MB free, the run needs ~\\d+ MB`),
    );
    assert.deepEqual(runFolders(runs), []);
    assertNoLeftovers(d);
  } finally {
    if (mounted) unmount(mnt);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('a real full disk mid-run (a size-capped tmpfs filled after the first step): exit 1, run.json failed with "disk full", events whole, nothing partial', async (t) => {
  const d = tmp('disk-tmpfs');
  const mnt = path.join(d, 'fs');
  if (!mountTmpfs(mnt, '24m')) {
    t.skip('mounting a tmpfs needs root; the injected cases above cover every write site');
    fs.rmSync(d, { recursive: true, force: true });
    return;
  }
  try {
    const cfg = writeConfig(d, 'tmpfs', tinyYaml('tmpfs', { checkpointEvery: 1 }));
    const runs = path.join(mnt, 'runs');
    let runDir = '';
    let filled = false;
    const r = await capture(
      (o, e) => runCommand({ config: cfg, runsDir: runs, set: [], json: true }, o, e),
      (line) => {
        if (!runDir) runDir = (JSON.parse(line) as { dir: string }).dir;
        if (!filled && line.includes('"name":"loss/total"')) {
          filled = true;
          const fd = fs.openSync(path.join(mnt, 'filler'), 'w');
          try {
            for (const chunk of [1 << 20, 4096, 1]) {
              const b = Buffer.alloc(chunk, 1);
              for (;;) fs.writeSync(fd, b);
            }
          } catch {
            /* the disk is full */
          } finally {
            fs.closeSync(fd);
          }
        }
      },
    );
    assert.ok(filled, 'the training never reported a loss');
    assertFailedDiskFull({ ...r, runDir }, mnt);
  } finally {
    unmount(mnt);
    fs.rmSync(d, { recursive: true, force: true });
  }
});
