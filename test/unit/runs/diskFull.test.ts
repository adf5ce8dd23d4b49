import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { createRun, reopenRun, RESERVE_FILE } from '../../../src/core/runs';
import { asDiskFull, DiskFullError, isNoSpace, noSpaceError, setWriteFault } from '../../../src/core/runs/diskFull';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-diskfull-'));

test('DiskFullError: "disk full: <path>, need ~N MB" (at least 1), recognised with ENOSPC and EDQUOT; other errors pass through', () => {
  assert.equal(new DiskFullError('/runs/x', 5.2 * 1024 * 1024).message, 'disk full: /runs/x, need ~6 MB');
  assert.equal(new DiskFullError('/runs/x', 0).message, 'disk full: /runs/x, need ~1 MB');
  assert.ok(isNoSpace(noSpaceError('/a')) && isNoSpace(Object.assign(new Error('q'), { code: 'EDQUOT' })));
  const other = new Error('EACCES');
  assert.equal(asDiskFull(other, '/r', 1), other);
  assert.ok(asDiskFull(noSpaceError('/r/.tmp-x'), '/r', 1) instanceof DiskFullError);
});

test('writer on a full disk: a failed append is cut back to whole lines; run.json still says failed thanks to the reserve, which is then gone', () => {
  const d = tmp();
  let full = false;
  try {
    const w = createRun(d, defaultConfig('full'), 'pretrain', { reserveBytes: 4096, diskNeedBytes: 3 * 1024 * 1024, markFailedOnExit: false });
    assert.ok(fs.existsSync(path.join(w.dir, RESERVE_FILE)));
    w.log('info', 'before');
    setWriteFault((site, file) => {
      if (!full || !fs.existsSync(path.join(w.dir, RESERVE_FILE))) return;
      if (site === 'events') fs.appendFileSync(file, '{"half');
      throw noSpaceError(file);
    });
    full = true;
    assert.throws(() => w.log('info', 'lost'), (e: Error) => e instanceof DiskFullError && e.message === `disk full: ${w.dir}, need ~3 MB`);
    w.fail('disk full: somewhere, need ~3 MB');
    const run = JSON.parse(fs.readFileSync(path.join(w.dir, 'run.json'), 'utf8'));
    assert.equal(run.status, 'failed');
    assert.ok(!fs.existsSync(path.join(w.dir, RESERVE_FILE)), 'the reserve was given up');
    const lines = fs.readFileSync(path.join(w.dir, 'events.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.message ?? l.status), ['run ' + w.id + ' created', 'before', 'disk full: somewhere, need ~3 MB']);
  } finally {
    setWriteFault(undefined);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('reopening a run whose events.jsonl ends mid-line (a crash) continues after the last whole line; the reserve comes back', () => {
  const d = tmp();
  try {
    const w = createRun(d, defaultConfig('crash'), 'pretrain', { reserveBytes: 1024, markFailedOnExit: false });
    w.cancel('stopped');
    assert.ok(!fs.existsSync(path.join(w.dir, RESERVE_FILE)), 'a finished run holds no reserve');
    fs.appendFileSync(path.join(w.dir, 'events.jsonl'), '{"t":"2026-12');
    const r = reopenRun(w.dir, { reserveBytes: 1024, markFailedOnExit: false });
    assert.ok(fs.existsSync(path.join(w.dir, RESERVE_FILE)));
    r.complete();
    const text = fs.readFileSync(path.join(w.dir, 'events.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n'));
    for (const l of text.trimEnd().split('\n')) JSON.parse(l);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
