import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { FollowPolicy } from '../../../src/extension/panels/followPolicy';

test('nothing selected: follows the running run, and keeps the finished one when nothing else runs', () => {
  const f = new FollowPolicy();
  assert.equal(f.current, undefined);
  assert.equal(f.setRunning(['/runs/a']), '/runs/a');
  assert.equal(f.setRunning([]), '/runs/a', 'a finished run stays in view');
  assert.equal(f.setRunning(['/runs/b']), '/runs/b', 'the next job is followed');
});

test('the selection wins over a running run', () => {
  const f = new FollowPolicy();
  f.setRunning(['/runs/live']);
  assert.equal(f.select('/runs/old'), '/runs/old');
  assert.equal(f.setRunning(['/runs/live']), '/runs/old', 'the same job still running: the selection stays');
  assert.equal(f.setRunning([]), '/runs/old', 'the running one ended: the selection stays');
});

test('the selected run finishing while another runs: follows the running one', () => {
  const f = new FollowPolicy();
  f.setRunning(['/runs/a', '/runs/b']);
  f.select('/runs/a');
  assert.equal(f.setRunning(['/runs/b']), '/runs/b');
});

test('a job starting after a finished run was selected: follows the new run', () => {
  const f = new FollowPolicy();
  f.select('/runs/done');
  assert.equal(f.setRunning(['/runs/new']), '/runs/new');
  assert.equal(f.select('/runs/done'), '/runs/done', 'selecting again wins again');
});

test('clearing the selection: the newest running run, else what is shown', () => {
  const f = new FollowPolicy();
  f.select('/runs/x');
  assert.equal(f.select(undefined), '/runs/x');
  f.setRunning(['/runs/a']);
  f.select('/runs/x');
  assert.equal(f.select(undefined), '/runs/a');
});
