/**
 * Commands only the integration tests call. register.ts calls this only when the build defines
 * MEDSSL_TEST_COMMANDS (development builds), so the production bundle has neither this code nor the
 * command ids; even then they register only under the integration driver (MEDSSL_TEST_REPO).
 */
import * as vscode from 'vscode';
import { followedRun } from '../panels/runView';
import type { Studio } from '../studio';

export function registerTestCommands(studio: Studio): vscode.Disposable[] {
  if (!process.env.MEDSSL_TEST_REPO) return [];
  return [
    // code-server runs with --disable-workspace-trust, so an untrusted workspace is simulated.
    vscode.commands.registerCommand('medssl.test.simulateUntrusted', (on: boolean) => (studio.trust.simulateUntrusted = on)),
    vscode.commands.registerCommand('medssl.test.jobs', () =>
      studio.jobs.manager
        .all()
        .map((j) => ({ key: j.key, state: j.state, result: j.result, runDirs: j.runDirs, pid: j.pid, attached: !!j.attached })),
    ),
    // Which run folder the side view follows.
    vscode.commands.registerCommand('medssl.test.followedRun', () => followedRun()),
  ];
}
