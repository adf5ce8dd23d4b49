import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SHOWN_PROBLEMS, summarizeInspect } from '../../../src/extension/worker/inspectSummary';

const report = (problems: { file?: string; message: string }[]) =>
  JSON.stringify({ root: '/d', layout: 'msd', unit: 'volume', caseCount: 3, labelled: true, cases: [], summary: {}, problems });

test('a clean report: one header line', () => {
  const s = summarizeInspect('/d', `noise\n${report([])}\n`, '');
  assert.deepEqual(s, { ok: true, line: 'inspect: 3 cases, layout msd, labelled, 0 problem(s)', problems: 0 });
});

test('problems: the first ten listed with their file, the rest counted with the command to see them', () => {
  const problems = Array.from({ length: SHOWN_PROBLEMS + 2 }, (_, i) => ({
    file: i % 2 ? `case${i}.nii.gz` : undefined,
    message: `bad ${i}`,
  }));
  const s = summarizeInspect('/d', report(problems), '');
  assert.ok(s.ok);
  assert.equal(s.problems, 12);
  const lines = s.line.split('\n');
  assert.equal(lines.length, 1 + SHOWN_PROBLEMS + 1);
  assert.equal(lines[1], '  problem: bad 0');
  assert.equal(lines[2], '  problem: case1.nii.gz: bad 1');
  assert.equal(lines.at(-1), '  … 2 more (medssl inspect /d)');
});

test('no report on stdout: the last stderr line is the reason', () => {
  assert.deepEqual(summarizeInspect('/d', '', 'warning: x\nmedssl inspect: /d: no such folder\n'), {
    ok: false,
    reason: 'medssl inspect: /d: no such folder',
  });
  assert.deepEqual(summarizeInspect('/d', '{"something":"else"}', 'boom'), { ok: false, reason: 'boom' });
});
