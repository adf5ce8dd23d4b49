/**
 * Asks the test driver for a screenshot of the whole workbench. Inside the extension host there is no
 * browser: scripts/test-integration.mjs passes a folder in MEDSSL_SCREENSHOT_REQUESTS, the test writes
 * `<name>.request` there, the driver saves test-results/screenshots/<name>.png and answers `<name>.done`.
 * Without a driver (npm run test:electron) it resolves `undefined`: nothing to capture with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ScreenshotAnswer {
  /** Absent when `screenshot: false`. */
  png?: string;
  /** Visible text of the webview that shows `waitForWebviewSelector`, when one was asked for. */
  webviewText?: string;
  /** Attributes of the first element matching `waitForWebviewSelector`. */
  attributes?: Record<string, string>;
}

export interface ScreenshotOptions {
  /** First click this element in whichever webview shows it (a real mouse click in the browser). */
  clickInWebview?: string;
  /** Wait until a webview frame contains this CSS selector before capturing. */
  waitForWebviewSelector?: string;
  /** false: only read the webview (text, attributes), no PNG. */
  screenshot?: boolean;
  timeoutMs?: number;
}

export const screenshotsAvailable = (): boolean => !!process.env.MEDSSL_SCREENSHOT_REQUESTS;

export async function requestScreenshot(name: string, opts: ScreenshotOptions = {}): Promise<ScreenshotAnswer | undefined> {
  const dir = process.env.MEDSSL_SCREENSHOT_REQUESTS;
  if (!dir) return undefined;
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name '${name}': use letters, digits, '.', '_' or '-'`);
  const done = path.join(dir, `${name}.done`);
  fs.rmSync(done, { force: true });
  fs.writeFileSync(path.join(dir, `${name}.request.tmp`), JSON.stringify(opts));
  fs.renameSync(path.join(dir, `${name}.request.tmp`), path.join(dir, `${name}.request`));
  const timeout = (opts.timeoutMs ?? 15_000) + 15_000;
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (fs.existsSync(done)) {
      const answer = JSON.parse(fs.readFileSync(done, 'utf8')) as ScreenshotAnswer & { error?: string };
      fs.rmSync(done, { force: true });
      if (answer.error) throw new Error(`screenshot '${name}': ${answer.error}`);
      return answer;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screenshot '${name}': the driver did not answer within ${timeout / 1000}s`);
}
