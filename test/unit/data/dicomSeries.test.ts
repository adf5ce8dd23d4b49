import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspectCommand } from '../../../src/cli/commands/inspect';
import { DataError } from '../../../src/core/data/errors';
import { inspectDataset } from '../../../src/core/data/inspect';
import { detectLayout } from '../../../src/core/data/layouts';
import { SliceDataset } from '../../../src/core/data/dataset';
import { debianFile } from './debianFiles';
import { ctSlice } from './dicomFixtures';

// Series built from copies of pydicom's single CT slice (see dicomFixtures.ts: say so honestly).

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'medssl-dicomseries-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Three slices 5 mm apart, file names out of order; slice k (inferior→superior) has HU = CT_small + 10·k. */
function writeSeries(dir: string, zs = [-75.7, -70.7, -65.7], names = ['b', 'c', 'a'], ext = '.dcm'): void {
  mkdirSync(dir, { recursive: true });
  zs.forEach((z, k) => writeFileSync(path.join(dir, names[k] + ext), ctSlice({ z, intercept: -1024 + 10 * k })));
}

const HU = { kind: 'zscore', offset: 0, mean: 0, std: 1 } as const; // identity: values stay HU

test(
  'DICOM series folders: auto-detected (one series per folder = one case), ordered along the normal, HU after rescale, axial slices like NIfTI',
  withDir(async (root) => {
    writeSeries(path.join(root, 'ct_a'));
    // a nested series (patient/series) whose files have no extension: found by the DICM preamble
    writeSeries(path.join(root, 'patient_b', 'series_1'), [-50, -45, -40], ['x1', 'x3', 'x2'], '');
    writeFileSync(path.join(root, 'README.txt'), 'not a DICOM file');
    // a CD export's index (DICM preamble, no image): not a slice
    writeFileSync(path.join(root, 'ct_a', 'DICOMDIR'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')]));
    const layout = detectLayout(root);
    assert.equal(layout.kind, 'dicom');
    assert.equal(layout.unit, 'volume');
    assert.deepEqual(
      layout.cases.map((c) => c.id),
      ['ct_a', 'patient_b/series_1'],
    );
    assert.deepEqual(layout.problems, []);

    const ds = SliceDataset.open(root, { intensity: HU });
    assert.equal(ds.layout, 'dicom');
    assert.equal(ds.length, 6);
    assert.equal(ds.reads, 0, 'opening reads headers only');
    assert.deepEqual(
      ds.cases.map((c) => [c.width, c.height, c.depth]),
      [
        [128, 128, 3],
        [128, 128, 3],
      ],
    );
    for (let k = 0; k < 3; k++) {
      const s = ds.getSync(k).image;
      assert.equal(s.width, 128);
      // display convention (anterior up, patient's right on the left) = the DICOM pixel array as stored
      assert.equal(s.data[64 + 128 * 64], 904 + 10 * k, `slice ${k}: pixel (64, 64)`);
      assert.equal(s.data[30 + 128 * 100], 65 + 10 * k, `slice ${k}: pixel (row 100, column 30)`);
      assert.equal(s.data[0], -849 + 10 * k);
      let min = Infinity;
      let max = -Infinity;
      for (const v of s.data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assert.deepEqual([min, max], [-896 + 10 * k, 1167 + 10 * k]);
    }
    assert.equal(ds.reads, 1);
    // Windowed and resized for training, read asynchronously as a training run does (abdomen window [−175, 250])
    const win = SliceDataset.open(root, { intensity: { kind: 'abdomen' }, size: [32, 32] });
    const read = await win.read([5, 0, 3, 1, 4, 2]);
    assert.equal(read.length, 6);
    for (const s of read) {
      assert.equal(s.image.width, 32);
      assert.ok(s.image.data.every((v) => v >= 0 && v <= 1));
    }
    assert.deepEqual(read[1].image, win.getSync(0).image);

    const rep = await inspectDataset(root);
    assert.equal(rep.layout, 'dicom');
    assert.deepEqual(rep.problems, []);
    assert.deepEqual(
      rep.cases.map((c) => [c.id, c.shape.join('×'), c.orientation, c.intensity.min, c.intensity.max]),
      [
        ['ct_a', '128×128×3', 'LPS', -896, 1187],
        ['patient_b/series_1', '128×128×3', 'LPS', -896, 1187],
      ],
    );
    assert.ok(Math.abs(rep.cases[0].spacing![2] - 5) < 1e-3 && Math.abs(rep.cases[0].spacing![0] - 0.6615) < 1e-3);
  }),
);

test(
  'DICOM series problems are reported per case, all at once: mixed series, missing slice, non-CT modality, compressed transfer syntax',
  withDir(async (root) => {
    writeSeries(path.join(root, 'good'));
    // two series in one folder
    writeSeries(path.join(root, 'mixed'));
    writeFileSync(path.join(root, 'mixed', 'd.dcm'), ctSlice({ z: -60.7, seriesUid: '1.2.3.4.5' }));
    // a missing slice: 0, 5, 10, 20 mm
    writeSeries(path.join(root, 'gap'), [-75.7, -70.7, -65.7, -55.7], ['b', 'c', 'a', 'd']);
    // an MR slice among CT ones
    writeSeries(path.join(root, 'mr'));
    writeFileSync(path.join(root, 'mr', 'd.dcm'), ctSlice({ z: -60.7, modality: 'MR' }));
    // a JPEG 2000 file (pydicom's JPEG2000.dcm)
    mkdirSync(path.join(root, 'j2k'));
    copyFileSync(debianFile('jpeg2000'), path.join(root, 'j2k', 'JPEG2000.dcm'));

    const outs: string[] = [];
    const errs: string[] = [];
    assert.equal(
      await inspectCommand(
        { path: root, json: false },
        (s) => outs.push(s),
        (s) => errs.push(s),
      ),
      2,
    );
    const rep = await inspectDataset(root);
    assert.deepEqual(
      rep.cases.map((c) => c.id),
      ['good'],
    );
    const byCase = Object.fromEntries(rep.problems.map((p) => [p.caseId, `${p.file}: ${p.message}`]));
    assert.deepEqual(Object.keys(byCase).sort(), ['gap', 'j2k', 'mixed', 'mr']);
    assert.match(
      byCase.mixed,
      /^mixed: holds 2 different series \(Series Instance UID differs between .*\.dcm and d\.dcm\); put each series in its own folder/,
    );
    assert.match(byCase.gap, /^gap[\\/]d\.dcm: uneven slice spacing: 10\.000 mm from a\.dcm, 5\.000 mm elsewhere \(a missing slice\?\)/);
    assert.match(byCase.mr, /^mr[\\/]d\.dcm: modality is MR, not CT/);
    assert.match(
      byCase.j2k,
      /^j2k[\\/]JPEG2000\.dcm: compressed transfer syntax 1\.2\.840\.10008\.1\.2\.4\.9\d \(JPEG 2000.*\) is not supported; decompress the series first/,
    );
    assert.match(errs.join('\n'), /4 problems in .*\n.*case 'gap'/);

    // The loader refuses the folder naming the first problem and counting the rest; with ignoreProblems it keeps the good case.
    assert.throws(
      () => SliceDataset.open(root, { intensity: HU }),
      (e: unknown) =>
        e instanceof DataError &&
        /case 'gap'.*uneven slice spacing.*\(and 3 more problems; 'medssl inspect .*' lists them all\)/.test(e.message),
    );
    const ok = SliceDataset.open(root, { intensity: HU, ignoreProblems: true });
    assert.deepEqual(ok.caseIds, ['good']);
    assert.equal(ok.getSync(2).image.data[64 + 128 * 64], 924);
  }),
);

test(
  "a DICOM series stored with rows running to the patient's right (and the normal pointing down) is reoriented like NIfTI: same slice order, mirrored columns",
  withDir(async (root) => {
    const dir = path.join(root, 'flipped');
    mkdirSync(dir);
    // Image Orientation (Patient) rows → −x (patient's right in LPS), columns → +y: normal = rows × columns points inferior.
    [-75.7, -70.7, -65.7].forEach((z, k) =>
      writeFileSync(path.join(dir, `s${k}.dcm`), ctSlice({ z, intercept: -1024 + 10 * k, orientation: '-1\\0\\0\\0\\1\\0' })),
    );
    const rep = await inspectDataset(root);
    assert.deepEqual(rep.problems, []);
    assert.equal(rep.cases[0].orientation, 'RPI');
    const ds = SliceDataset.open(root, { intensity: HU });
    for (let k = 0; k < 3; k++) {
      const s = ds.getSync(k).image; // k = 0 is the most inferior slice (z = −75.7), as for the standard orientation
      assert.equal(s.data[63 + 128 * 64], 904 + 10 * k, `slice ${k}: display (63, 64) = stored (row 64, column 64)`);
      assert.equal(s.data[97 + 128 * 100], 65 + 10 * k, `slice ${k}: display (97, 100) = stored (row 100, column 30)`);
      assert.equal(s.data[127], -849 + 10 * k);
    }
  }),
);
