/**
 * The HTML shell of a panel, with its Content Security Policy. No `vscode` import: the browser tests
 * (test/webview) load the very same page in Chromium, so the CSP they run under is the one VS Code uses.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  title: string;
  /** `webview.cspSource`: the only origin styles, images and fonts may come from. */
  cspSource: string;
  /** Fresh per render: the only script allowed is the one carrying it. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** Shown until the script renders. */
  placeholder?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  const links = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
  <title>${escapeAttr(o.title)}</title>
</head>
<body>
  <div id="app"><p class="placeholder">${escapeAttr(o.placeholder ?? 'Loading…')}</p></div>
  <script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
