/**
 * Bad data is refused before the first step, by `run` and `submit` as by `validate`: exit 2 in seconds,
 * every problem at once (one line each, naming the case and file or the config field), no run folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../../../src/cli/commands/run';
import { submitCommand } from '../../../src/cli/commands/submit';
import { validateCommand } from '../../../src/cli/commands/validate';
import { encodeNifti, readNiftiFile } from '../../../src/core/data/nifti';
import { assertNoLeftovers, capture, editLabel, phantomMsd, runFolders, tinyYaml, tmp, writeConfig } from './badInputKit';

/** `medssl run` refuses: exit 2, each expected line on stderr, no run folder, nothing half-written. */
async function assertRunRefused(d: string, cfg: string, expected: RegExp[]): Promise<string> {
  const runs = path.join(d, 'runs');
  const t0 = Date.now();
  const r = await capture((o, e) => runCommand({ config: cfg, runsDir: runs, set: [], json: false }, o, e));
  const err = r.err.join('\n');
  assert.equal(r.code, 2, err);
  for (const re of expected) assert.match(err, re);
  assert.match(err, /problems? found before the start; nothing was started and no run folder was created/);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  assert.deepEqual(runFolders(runs), [], 'no run folder');
  assertNoLeftovers(d);
  assert.ok(Date.now() - t0 < 20_000, 'refused in seconds');
  return err;
}

test('run: label maps that inspect rejects (all zero, an undeclared value 42, negative, fractional) → exit 2, all four listed at once, no run folder', async () => {
  const d = tmp('bad-labels');
  try {
    const data = phantomMsd(path.join(d, 'data'));
    await editLabel(data, 0, (v) => v.fill(0));
    await editLabel(data, 1, (v) => (v[5] = 42));
    await editLabel(data, 2, (v) => (v[7] = -1));
    await editLabel(data, 3, (v) => (v[9] = 0.5));
    const cfg = writeConfig(d, 'labels', tinyYaml('labels', { data }));
    await assertRunRefused(d, cfg, [
      /data\.path: case 'phantom_000': labelsTr\/phantom_000\.nii\.gz: label map is all zero/,
      /data\.path: case 'phantom_001': labelsTr\/phantom_001\.nii\.gz: unexpected label values \[42\]/,
      /data\.path: case 'phantom_002': labelsTr\/phantom_002\.nii\.gz: negative label values \[-1\]/,
      /data\.path: case 'phantom_003': labelsTr\/phantom_003\.nii\.gz: 1 label voxels are not whole numbers/,
      /4 problems found before the start/,
    ]);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run and validate: a label grid that differs from its image → exit 2 before the pretraining; validate --no-data skips the data', async () => {
  const d = tmp('bad-grid');
  try {
    const data = phantomMsd(path.join(d, 'data'));
    await editLabel(data, 1, () => undefined, [16, 16, 3]);
    const cfg = writeConfig(d, 'grid', tinyYaml('grid', { data, linear: true }));
    await assertRunRefused(d, cfg, [
      /case 'phantom_001': labelsTr\/phantom_001\.nii\.gz: label grid 16×16×3 differs from image grid 16×16×4/,
    ]);
    const v = await capture((o, e) => validateCommand({ path: cfg }, o, e));
    assert.equal(v.code, 2);
    assert.match(v.err.join('\n'), /medssl validate: data\.path: case 'phantom_001'.*label grid 16×16×3/);
    const nd = await capture((o, e) => validateCommand({ path: cfg, data: false }, o, e));
    assert.equal(nd.code, 0, nd.err.join('\n'));
    assert.match(nd.out.join('\n'), /ok: .*--no-data/);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run, validate and submit: an unlabelled folder with the linear evaluation on → exit 2 naming the setting; nothing queued', async () => {
  const d = tmp('bad-unlabelled');
  try {
    const data = path.join(d, 'plain');
    fs.mkdirSync(data);
    const src = phantomMsd(path.join(d, 'msd'));
    for (const f of fs.readdirSync(path.join(src, 'imagesTr'))) fs.copyFileSync(path.join(src, 'imagesTr', f), path.join(data, f));
    const cfg = writeConfig(d, 'unlab', tinyYaml('unlab', { data, linear: true }));
    const re = /evaluation\.linear\.enabled: .*plain has no label maps \(layout unlabelled\).*set evaluation\.linear\.enabled: false/;
    await assertRunRefused(d, cfg, [re]);
    const v = await capture((o, e) => validateCommand({ path: cfg }, o, e));
    assert.equal(v.code, 2);
    assert.match(v.err.join('\n'), re);
    const runs = path.join(d, 'runs');
    const s = await capture((o, e) =>
      submitCommand({ config: cfg, runsDir: runs, set: [], json: false, wait: false, executor: 'local', cli: '/nonexistent/cli.js' }, o, e),
    );
    assert.equal(s.code, 2);
    assert.match(s.err.join('\n'), re);
    assert.deepEqual(runFolders(runs), [], 'nothing queued');
    // the same folder with the evaluation off: a pretraining-only config is fine
    const ok = await capture((o, e) =>
      validateCommand({ path: writeConfig(d, 'unlab-ok', tinyYaml('unlabok', { data, linear: false })) }, o, e),
    );
    assert.equal(ok.code, 0, ok.err.join('\n'));
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run: Inf voxels, a zero and a negative pixdim, an sform with a zero column → exit 2, each named', async () => {
  const d = tmp('bad-geometry');
  try {
    const data = phantomMsd(path.join(d, 'data'));
    const img = (i: number) => path.join(data, 'imagesTr', `phantom_00${i}.nii.gz`);
    const v0 = await readNiftiFile(img(0));
    v0.data[3] = Infinity;
    fs.writeFileSync(img(0), encodeNifti(v0));
    const patch = (i: number, edit: (dv: DataView) => void) => {
      const bytes = new Uint8Array(encodeNifti(v0, { gzip: false })); // a plain .nii body (the reader takes either)
      edit(new DataView(bytes.buffer));
      fs.writeFileSync(img(i), bytes);
    };
    v0.data[3] = 0;
    patch(1, (dv) => dv.setFloat32(76 + 4 * 1, 0, true)); // pixdim[1] = 0
    patch(2, (dv) => dv.setFloat32(76 + 4 * 2, -1, true)); // pixdim[2] = -1
    patch(3, (dv) => [0, 1, 2].forEach((r) => dv.setFloat32(280 + 16 * r + 4 * 1, 0, true))); // sform column 1 = 0
    const cfg = writeConfig(d, 'geom', tinyYaml('geom', { data }));
    await assertRunRefused(d, cfg, [
      /case 'phantom_000': imagesTr\/phantom_000\.nii\.gz: 1 infinite voxels/,
      /case 'phantom_001': imagesTr\/phantom_001\.nii\.gz: pixdim\[1\] .* is 0: voxel sizes must be positive/,
      /case 'phantom_002': imagesTr\/phantom_002\.nii\.gz: pixdim\[2\] .* is -1/,
      /case 'phantom_003': imagesTr\/phantom_003\.nii\.gz: sform column 1 is all zero/,
    ]);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run and validate: data.size 3 and 100000 → exit 2 naming data.size (the phantom needs no folder)', async () => {
  const d = tmp('bad-size');
  try {
    for (const [size, re] of [
      [3, /data\.size: 3 is smaller than the encoder's downsampling \(8×/],
      [100000, /data\.size: 100000 is larger than 4096 pixels/],
    ] as const) {
      const cfg = writeConfig(d, `size${size}`, tinyYaml(`size${size}`).replace('size: 16', `size: ${size}`));
      await assertRunRefused(d, cfg, [re]);
      const v = await capture((o, e) => validateCommand({ path: cfg }, o, e));
      assert.equal(v.code, 2);
      assert.match(v.err.join('\n'), re);
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});

test('run: symlinks in the dataset — up → .. and self → . are reported, not walked; a linked file is one case', async () => {
  const d = tmp('bad-symlinks');
  try {
    const data = path.join(d, 'vols');
    fs.mkdirSync(data);
    const src = phantomMsd(path.join(d, 'msd'));
    const files = fs.readdirSync(path.join(src, 'imagesTr'));
    for (const f of files) fs.copyFileSync(path.join(src, 'imagesTr', f), path.join(data, f));
    fs.symlinkSync('..', path.join(data, 'up'));
    fs.symlinkSync('.', path.join(data, 'self'));
    fs.symlinkSync(files[0], path.join(data, 'again.nii.gz'));
    const cfg = writeConfig(d, 'links', tinyYaml('links', { data }));
    await assertRunRefused(d, cfg, [
      /data\.path: up: symlinked folder leads outside the dataset folder/,
      /data\.path: self: symlink loop/,
      /2 problems found before the start/,
    ]);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
});
