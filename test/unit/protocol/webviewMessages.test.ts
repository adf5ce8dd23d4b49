import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isWebviewToHost, type WebviewToHost } from '../../../src/protocol/webviews/common';

test('isWebviewToHost: the three messages a panel may post, nothing else', () => {
  const ok: WebviewToHost[] = [{ type: 'ready' }, { type: 'recheck' }, { type: 'saveFile', suggestedName: 'curves.csv', text: 'a,b' }];
  for (const m of ok) assert.equal(isWebviewToHost(m), true, m.type);
  for (const m of [null, undefined, 'ready', 42, {}, { type: 7 }, { type: 'curves' }, { type: 'toString' }, { type: 'constructor' }])
    assert.equal(isWebviewToHost(m), false, JSON.stringify(m));
});
