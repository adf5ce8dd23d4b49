import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteAt, getAt, setAt } from '../../../src/core/config/configPaths';
import { describeValue } from '../../../src/core/config/issueMessages';
import { formatFor, formatProblem, pathToString, type ConfigProblem } from '../../../src/core/config/problems';

const problem = (over: Partial<ConfigProblem> = {}): ConfigProblem => ({
  file: 'exp.medssl.yaml',
  severity: 'error',
  code: 'value',
  message: 'must be at least 1',
  path: ['pretrain', 'epochs'],
  range: { start: 10, end: 11 },
  start: { line: 3, col: 11 },
  end: { line: 3, col: 12 },
  ...over,
});

test('formatFor: .json is JSON, anything else YAML', () => {
  assert.equal(formatFor('a/b.medssl.json'), 'json');
  assert.equal(formatFor('a/b.medssl.yaml'), 'yaml');
  assert.equal(formatFor(undefined), 'yaml');
});

test('pathToString: dotted keys, list indices in brackets', () => {
  assert.equal(pathToString(['variants', 0, 'name']), 'variants[0].name');
  assert.equal(pathToString([]), '');
});

test('formatProblem: file:line:col, warnings say so, overrides name the --set', () => {
  assert.equal(formatProblem(problem()), 'exp.medssl.yaml:3:11: must be at least 1');
  assert.equal(formatProblem(problem({ severity: 'warning' })), 'exp.medssl.yaml:3:11: warning: must be at least 1');
  assert.equal(
    formatProblem(problem({ override: 'pretrain.epochs=0' })),
    'exp.medssl.yaml: (from --set pretrain.epochs=0) must be at least 1',
  );
});

test('configPaths: set creates the path (lists for numeric keys), get finds it, delete removes it', () => {
  const obj: Record<string, unknown> = {};
  setAt(obj, ['variants', 0, 'name'], 'a');
  assert.deepEqual(obj, { variants: [{ name: 'a' }] });
  assert.deepEqual(getAt(obj, ['variants', 0, 'name']), { found: true, value: 'a' });
  assert.deepEqual(getAt(obj, ['variants', 1]), { found: false });
  deleteAt(obj, ['variants', 0, 'name']);
  assert.deepEqual(obj, { variants: [{}] });
});

test('describeValue: how a value reads in a message', () => {
  assert.equal(describeValue(null), 'nothing (null)');
  assert.equal(describeValue([1]), 'a list of 1 item');
  assert.equal(describeValue([1, 2]), 'a list of 2 items');
  assert.equal(describeValue({}), 'a mapping');
  assert.equal(describeValue('x'), "the text 'x'");
  assert.equal(describeValue(3), '3');
});
