import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../../src/core/config';

test('edit distance counts transpositions as one edit', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('tempreature', 'temperature'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('closest tolerates case and snake/kebab case, and refuses far words', () => {
  assert.equal(closest('batch_size', ['batchSize', 'epochs']), 'batchSize');
  assert.equal(closest('Epochs', ['batchSize', 'epochs']), 'epochs');
  assert.equal(closest('queusize', ['queueSize', 'momentum']), 'queueSize');
  assert.equal(closest('xyz', ['queueSize', 'momentum']), undefined);
  assert.equal(closest('lr', ['lr', 'momentum']), undefined);
});
