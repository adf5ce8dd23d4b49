import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dicePerClass, meanForegroundDice, summarizeDice, VolumeDice, worstSlicePerClass } from '../../../src/core/metrics/dice';

// Hand-made 3-D volumes (2 slices of 3×3, flattened), classes 0..3.
// prettier-ignore
const truthA = [
  0, 1, 1,
  0, 1, 1,
  0, 0, 2,
  /* slice 2 */
  0, 1, 0,
  0, 0, 0,
  2, 2, 0,
];

test('dice: a perfect prediction scores 1 for every present class; a class absent in both is null and excluded', () => {
  const d = dicePerClass(truthA, truthA, 4);
  assert.deepEqual(
    d.map((x) => x.dice),
    [1, 1, 1, null],
  );
  assert.equal(d[3].absent, true);
  assert.deepEqual(
    d.map((x) => x.truth),
    [10, 5, 3, 0],
  );
  assert.equal(meanForegroundDice(d), 1);
});

test('dice: empty truth and empty prediction → every foreground class absent, mean null (not 0, not 1)', () => {
  const zeros = new Array(18).fill(0);
  const d = dicePerClass(zeros, zeros, 4);
  assert.deepEqual(
    d.map((x) => x.dice),
    [1, null, null, null],
  );
  assert.equal(meanForegroundDice(d), null);
});

test('dice: empty prediction of a present class scores 0; a false positive of a class absent in the truth scores 0', () => {
  const zeros = new Array(18).fill(0);
  const d = dicePerClass(truthA, zeros, 4);
  assert.deepEqual(
    d.slice(1).map((x) => x.dice),
    [0, 0, null],
  );
  const fp = truthA.slice();
  fp[0] = 3; // one voxel of class 3, which the truth lacks
  const e = dicePerClass(truthA, fp, 4);
  assert.equal(e[3].dice, 0);
  assert.equal(e[3].absent, false);
  assert.equal(meanForegroundDice(e), (1 + 1 + 0) / 3);
});

test('dice: disjoint masks score 0; partial overlap is 2|A∩B|/(|A|+|B|)', () => {
  const a = [1, 1, 0, 0, 0, 0];
  const b = [0, 0, 0, 0, 1, 1];
  assert.equal(dicePerClass(a, b, 2)[1].dice, 0);
  const c = [1, 1, 1, 0, 0, 0];
  const p = [0, 1, 1, 1, 1, 0];
  // |A| = 3, |B| = 4, |A∩B| = 2 → 4/7
  assert.equal(dicePerClass(c, p, 2)[1].dice, 4 / 7);
});

test('dice: per volume sums the counts over slices (not the mean of slice Dice); one class absent in one case', () => {
  const v = new VolumeDice(4);
  const n = 9;
  // case A: slice 1 perfect, slice 2 misses class 1 entirely (1 voxel) and class 2 half
  const predA2 = [0, 0, 0, 0, 0, 0, 2, 0, 0];
  v.add('A', truthA.slice(0, n), truthA.slice(0, n));
  const s2 = v.add('A', truthA.slice(n), predA2);
  assert.deepEqual(s2.perClass.slice(1), [0, 2 / 3, null]);
  const a = v.caseDice('A');
  // class 1: truth 5 voxels, pred 4 (all right) → 8/9; class 2: truth 3, pred 2 → 4/5; class 3 absent
  assert.ok(Math.abs((a.perClass[1] as number) - 8 / 9) < 1e-12);
  assert.ok(Math.abs((a.perClass[2] as number) - 4 / 5) < 1e-12);
  assert.equal(a.perClass[3], null);
  assert.deepEqual(a.absentClasses, [3]);
  assert.equal(a.slices, 2);
  // case B: only class 3 present, predicted perfectly
  const tb = [3, 3, 0, 0, 0, 0, 0, 0, 0];
  v.add('B', tb, tb);
  const b = v.caseDice('B');
  assert.deepEqual(b.perClass, [1, null, null, 1]);
  assert.deepEqual(b.absentClasses, [1, 2]);
  const s = summarizeDice(v.cases(), 4);
  assert.equal(s.cases, 2);
  assert.deepEqual(
    s.perClass.map((p) => p.cases),
    [2, 1, 1, 1],
  );
  assert.deepEqual(
    s.perClass.map((p) => p.absentIn),
    [0, 1, 1, 1],
  );
  assert.ok(Math.abs((s.meanForeground as number) - (8 / 9 + 4 / 5 + 1) / 3) < 1e-12);
  assert.ok(Math.abs((s.meanOfCaseMeans as number) - ((8 / 9 + 4 / 5) / 2 + 1) / 2) < 1e-12);
});

test('dice: worst slice per class ignores slices where the class is absent', () => {
  const w = worstSlicePerClass(
    [
      { z: 0, perClass: [1, 0.9, null], meanForeground: 0.9 },
      { z: 1, perClass: [1, 0.2, 0.5], meanForeground: 0.35 },
      { z: 2, perClass: [1, null, 0.7], meanForeground: 0.7 },
    ],
    3,
  );
  assert.deepEqual(w, [-1, 1, 1]);
  assert.deepEqual(worstSlicePerClass([{ z: 0, perClass: [1, null], meanForeground: null }], 2), [-1, -1]);
});

test('dice: errors name the problem (grid mismatch, label out of range)', () => {
  assert.throws(() => dicePerClass([0, 1], [0], 2), /same grid/);
  assert.throws(() => dicePerClass([0, 5], [0, 1], 2), /label 5/);
});
