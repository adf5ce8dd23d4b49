import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localLossText, rankSummary } from '../../../src/cli/commands/runSummaryText';

test('the local loss reads `off` when disabled (never `NaN`), a number when on', () => {
  assert.equal(localLossText(false, Number.NaN), 'off');
  assert.equal(localLossText(true, 1.23456), '1.2346');
  assert.equal(localLossText(true, Number.NaN), 'n/a (every pair skipped)');
});

test('the rank summary leads with RankMe and labels the eigenvalue form', () => {
  const sp = (rankMe: number, effectiveRank: number, dims99: number) => ({
    rankMe,
    effectiveRank,
    dims99,
    eigenvalues: [],
    stdSqrtD: 1,
    dim: 64,
    samples: 72,
  });
  assert.equal(
    rankSummary({ representation: sp(35.2, 9.88, 36), embedding: sp(19.1, 7.98, 20) }),
    'representation RankMe 35.20 (eigenvalue form 9.88; 36 dims for 99%), embedding RankMe 19.10',
  );
});
