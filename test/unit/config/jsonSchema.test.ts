import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema, configJsonSchemaText, schemaAtPath } from '../../../src/core/config';

// The committed snapshot the extension contributes (jsonValidation); regenerate with MEDSSL_UPDATE_SCHEMA=1.
const snapshot = path.resolve(__dirname, '../../../../src/core/config/medssl.schema.json');

test('the JSON Schema is draft-07, strict, with defaults and descriptions', () => {
  const s = configJsonSchema();
  assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(s.required, ['name']);
  assert.equal(s.additionalProperties, false);
  assert.equal(schemaAtPath(['ssl', 'queueSize'])?.default, 65536);
  assert.equal(schemaAtPath(['ssl', 'local'])?.additionalProperties, false);
  assert.match(schemaAtPath(['pretrain', 'lr'])?.markdownDescription ?? '', /Default: `"auto"`/);
  assert.equal(schemaAtPath(['nope']), undefined);
});

test('the committed medssl.schema.json equals configJsonSchema()', () => {
  const text = configJsonSchemaText();
  if (process.env.MEDSSL_UPDATE_SCHEMA === '1') fs.writeFileSync(snapshot, text);
  assert.equal(
    fs.readFileSync(snapshot, 'utf8'),
    text,
    'src/core/config/medssl.schema.json is stale: run the config tests with MEDSSL_UPDATE_SCHEMA=1',
  );
});
