import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../../src/extension/panels/webviewHtml';

test('the CSP allows nothing by default, scripts only by nonce, styles only from the webview', () => {
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abc');
  const rules = new Map(csp.split('; ').map((r) => [r.split(' ')[0], r.split(' ').slice(1)]));
  assert.deepEqual(rules.get('default-src'), ["'none'"]);
  assert.deepEqual(rules.get('script-src'), ["'nonce-abc'"]);
  assert.deepEqual(rules.get('style-src'), ['https://x.vscode-cdn.net']);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval') && !csp.includes('*'), csp);
});

test('the page carries the CSP, loads its script with the nonce and its styles, and escapes what it is given', () => {
  const html = webviewHtml({
    title: 'A <b>&',
    cspSource: 'https://c',
    nonce: 'n0nce',
    scriptUri: 'https://c/p.js?a=1&b="2"',
    styleUris: ['https://c/s.css'],
  });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'nonce-n0nce'">/);
  assert.ok(html.includes('<script nonce="n0nce" src="https://c/p.js?a=1&amp;b=&quot;2&quot;"></script>'));
  assert.ok(html.includes('<link rel="stylesheet" href="https://c/s.css">'));
  assert.ok(html.includes('<title>A &lt;b&gt;&amp;</title>'));
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, no inline ones');
});

test('nonces are fresh and safe in an attribute', () => {
  const a = makeNonce();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(a, makeNonce());
});
