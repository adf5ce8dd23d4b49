import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAt, describePath } from '../../../src/core/config';
import { allKeyPaths } from '../../../src/core/config/jsonSchema';

test('describeAt returns the docs of the key under the cursor, with its range', () => {
  const text = 'name: h\nmodel:\n  whitening:\n    method: zca\n  widths: [8, 16, 32, 64]\n';
  const onKey = describeAt(text, text.indexOf('method') + 2)!;
  assert.deepEqual(onKey.path, ['model', 'whitening', 'method']);
  assert.equal(onKey.type, "'iternorm' | 'zca'");
  assert.deepEqual(onKey.values, ['iternorm', 'zca']);
  assert.equal(onKey.default, 'iternorm');
  assert.match(onKey.description, /Newton/);
  assert.equal(text.slice(onKey.range!.start, onKey.range!.end), 'method');
  assert.match(onKey.markdown, /^\*\*model\.whitening\.method\*\*/);
  const onValue = describeAt(text, text.indexOf('zca') + 1)!;
  assert.deepEqual(onValue.path, ['model', 'whitening', 'method']);
  assert.equal(text.slice(onValue.range!.start, onValue.range!.end), 'zca');
  assert.deepEqual(describeAt(text, text.indexOf('16'))!.path, ['model', 'widths']);
  assert.deepEqual(describeAt(text, text.indexOf('model') + 1)!.path, ['model']);
});

test('describeAt is undefined off keys and on unknown keys', () => {
  assert.equal(describeAt('name: a\nbogus: 1\n', 10), undefined);
  assert.equal(describeAt('name: a\n\n\n', 9), undefined);
});

test('every field in the schema has a description', () => {
  const missing = allKeyPaths().filter((p) => !describePath(p)?.description);
  assert.deepEqual(missing, []);
  assert.ok(allKeyPaths().length > 60);
});
