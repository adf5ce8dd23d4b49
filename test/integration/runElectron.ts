/**
 * `npm run test:electron`: the same integration suite in desktop VS Code via @vscode/test-electron, for
 * contributors whose machines can download VS Code (it cannot work on machines that reach only npm; use
 * `npm run test:integration` there, which runs code-server in Chromium). Screenshots are skipped here.
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../..');
  try {
    const code = await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index'),
      launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { MEDSSL_TEST_REPO: root },
    });
    process.exitCode = code;
  } catch (e) {
    console.error(`test-electron: ${e instanceof Error ? e.message : String(e)}`);
    console.error('test-electron downloads VS Code; where that is impossible, run `npm run test:integration` (code-server from npm).');
    process.exitCode = 1;
  }
}

void main();
