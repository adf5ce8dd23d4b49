import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { measurableDims, RANK_HELP, reading, sampleLimit, verdict } from '../../../webview/collapse/reading';

const s = (dim: number, rankMe: number, dims99: number, samples = 1000) => ({ dim, rankMe, dims99, samples });

test('6 of 16 dimensions is not "spread" (the old reading said so)', () => {
  const v = verdict(s(16, 4.2, 6));
  assert.equal(v.cls, 'warn');
  assert.match(v.text, /^partly collapsed/);
  assert.equal(v.text, 'partly collapsed: fewer than half of the dimensions are in use (effective rank under 8)');
});

test('collapsed at the edge: below max(min(2, m/2), m/10)', () => {
  assert.equal(verdict(s(64, 6.3, 20)).cls, 'bad');
  assert.equal(verdict(s(64, 6.4, 20)).cls, 'warn', 'm/10 exactly is no longer collapsed');
  assert.equal(verdict(s(16, 1.99, 3)).cls, 'bad', 'under two directions with d = 16');
  assert.equal(verdict(s(16, 2, 3)).cls, 'warn');
  assert.notEqual(verdict(s(2, 1.2, 2)).cls, 'bad', 'd = 2: one direction and a bit is not "a few of many"');
  assert.equal(verdict(s(64, 1.1, 2)).text, 'collapsed: the variance lies in a few directions (effective rank under 6.4)');
  assert.equal(verdict(s(16, 1.5, 2)).text, 'collapsed: the variance lies in a few directions (effective rank under 2)');
});

test('partly collapsed up to half the dimensions; spread needs e ≥ m/2 and k99 ≥ 3m/4', () => {
  assert.equal(verdict(s(64, 31.9, 60)).cls, 'warn');
  assert.equal(verdict(s(64, 32, 48)).cls, 'ok', 'both edges exactly');
  assert.equal(verdict(s(64, 32, 47)).cls, 'warn', 'one dimension short of 3/4');
  assert.match(verdict(s(64, 32, 47)).text, /17 of 64 dimensions hold under 1% of the variance together/);
  assert.equal(verdict(s(64, 60, 64)).text, 'spread: the variance uses most of the dimensions (effective rank 32 or more)');
});

test('fewer samples than dimensions: judged against n − 1, and the reading says so', () => {
  const x = s(128, 10.72, 22, 72);
  assert.equal(measurableDims(x), 71);
  assert.equal(verdict(x).cls, 'warn');
  assert.equal(
    verdict(x).text,
    'partly collapsed: fewer than half of the 71 dimensions the samples can show are in use (effective rank under 35.5)',
  );
  assert.equal(reading(x), '22 of 128 dimensions hold 99% of the variance');
  assert.equal(sampleLimit(x), '72 samples show at most 71 of the 128 dimensions.');
  assert.equal(sampleLimit(s(64, 30, 50, 72)), undefined);
  assert.equal(verdict(s(128, 40, 60, 72)).cls, 'ok', '40 of 71 measurable with 60 ≥ 53.25 holding 99%');
});

test('the help line names RankMe from singular values and labels the eigenvalue form', () => {
  assert.match(RANK_HELP, /RankMe/);
  assert.match(RANK_HELP, /singular values/);
  assert.match(RANK_HELP, /eigenvalue form/);
  assert.ok(!RANK_HELP.includes('\n'), 'one line');
});
